"""What program mode lets a program name: modules, their members, builtins, and attributes per kind of value.

These are names only (no torch here): ``explorer.language.program`` checks a
program's text against them before anything runs, and
``explorer.compute.program_api`` binds each name to the real object, so the two
cannot drift apart. A name missing here is unreachable from a program.

NOTE [why lists of names, not rules]
An attribute is reached only when its name is in the list for the kind of value
it is read from (``ATTRIBUTES``), and a module's member only when it is in that
module's list (``MEMBERS``). Nothing is looked up by a name a visitor chose
unless that name is in one of these lists, and no name here starts with ``_``
except the read-only saved tensors of an autograd node (``SAVED``).
"""

from __future__ import annotations

__all__ = ["MODULES", "MEMBERS", "BUILTINS", "ATTRIBUTES", "SAVED", "ALL_ATTRIBUTES", "DECORATORS",
           "FUNCTION_METHODS", "CTX_RESERVED", "words"]


def words(text: str) -> frozenset[str]:
    """The whitespace-separated names of ``text`` as a set."""
    return frozenset(text.split())


# import path -> the namespace it binds (``import torch.nn as nn`` binds "torch.nn")
MODULES = words("""
    torch torch.nn torch.nn.functional torch.nn.init torch.optim torch.autograd torch.autograd.functional
    torch.autograd.graph torch.linalg torch.cuda math numpy numpy.random matplotlib matplotlib.pyplot
    matplotlib.pylab matplotlib.ticker
""")

_TENSOR_MATH = """
    abs exp exp2 expm1 log log1p log2 log10 sqrt rsqrt square sin cos tan asin acos atan atan2 sinh cosh
    tanh asinh acosh atanh sigmoid relu pow neg reciprocal sign clamp clip floor ceil round trunc frac
    maximum minimum fmod remainder erf hypot lerp deg2rad add sub mul div true_divide floor_divide
    matmul mm mv bmm dot outer sum mean prod max min amax amin argmax argmin std var norm median logsumexp
    cumsum cumprod softmax log_softmax all any eq ne lt le gt ge isnan isinf isfinite allclose isclose equal
    where transpose reshape flatten squeeze unsqueeze t permute diag trace triu tril flip sort argsort topk
    nonzero masked_select gather index_select chunk split unbind numel logical_not logical_and logical_or roll
"""

MEMBERS: dict[str, frozenset[str]] = {
    "torch": words(_TENSOR_MATH + """
        tensor Tensor as_tensor from_numpy ones zeros ones_like zeros_like full full_like arange linspace
        logspace eye rand randn randint rand_like randn_like randperm normal manual_seed no_grad enable_grad
        set_grad_enabled is_grad_enabled inference_mode float32 float64 float16 bfloat16 int64 int32 int16
        int8 uint8 long float double int bool cat concat stack hstack vstack einsum is_tensor broadcast_tensors
        meshgrid pi e inf nan nn optim autograd linalg cuda Size device get_default_dtype FloatTensor
        DoubleTensor LongTensor relu_ dist set_default_device get_default_device
    """),
    "torch.nn": words("""
        Linear Sequential ReLU Tanh Sigmoid LeakyReLU GELU SiLU ELU Softplus Softmax LogSoftmax Identity
        Flatten Dropout ModuleList MSELoss L1Loss CrossEntropyLoss NLLLoss BCELoss BCEWithLogitsLoss HuberLoss
        SmoothL1Loss Parameter Module functional init
    """),
    "torch.nn.functional": words("""
        relu relu6 leaky_relu elu selu gelu silu mish softplus softsign sigmoid tanh hardtanh logsigmoid
        softmax log_softmax mse_loss l1_loss cross_entropy nll_loss binary_cross_entropy
        binary_cross_entropy_with_logits smooth_l1_loss huber_loss linear one_hot normalize dropout
        cosine_similarity
    """),
    "torch.nn.init": words("""
        normal_ uniform_ zeros_ ones_ constant_ xavier_uniform_ xavier_normal_ kaiming_uniform_ kaiming_normal_
    """),
    "torch.optim": words("SGD Adam AdamW RMSprop Adagrad"),
    "torch.autograd": words("""
        grad backward Function Variable gradcheck gradgradcheck functional graph set_detect_anomaly
        detect_anomaly
    """),
    "torch.autograd.functional": words("jacobian hessian vjp jvp hvp vhp"),
    "torch.autograd.graph": words("saved_tensors_hooks save_on_cpu"),
    "torch.linalg": words("norm vector_norm matrix_norm inv det solve"),
    "torch.cuda": words("is_available device_count"),
    "math": words("""
        pi e inf nan tau sqrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh
        floor ceil fabs trunc pow isclose isnan isinf isfinite factorial erf hypot degrees radians fsum
        copysign
    """),
    "numpy": words("""
        array asarray zeros ones full linspace arange eye zeros_like ones_like sin cos tan exp log log1p log2
        log10 sqrt square power tanh sinh cosh arcsin arccos arctan arctan2 abs maximum minimum sum mean max
        min std var prod dot matmul allclose isclose array_equal pi e inf nan float32 float64 int64 int32 where
        clip round sign floor ceil argmax argmin cumsum concatenate stack vstack hstack reshape transpose
        meshgrid newaxis random
    """),
    "numpy.random": words("seed rand randn uniform normal randint random"),
    "matplotlib": words("pyplot pylab use"),
}
# the figure calls program mode records for a figure instead of drawing
_PLOT_CALLS = words("""
    plot scatter xlabel ylabel title legend show figure grid xlim ylim axhline axvline subplot subplots
    tight_layout
""")
MEMBERS["matplotlib.pyplot"] = _PLOT_CALLS
MEMBERS["matplotlib.pylab"] = _PLOT_CALLS
# an axis's tick placement, which a figure here does not need: kept as a call like the others
MEMBERS["matplotlib.ticker"] = words("MultipleLocator MaxNLocator AutoLocator FormatStrFormatter")

BUILTINS = words("""
    print range len zip enumerate list tuple dict set frozenset int float bool str abs min max sum round
    sorted reversed any all map filter isinstance pow divmod repr format iter next chr ord
    Exception RuntimeError ValueError TypeError ZeroDivisionError IndexError KeyError AssertionError
    NameError AttributeError ArithmeticError LookupError
""")

# the read-only saved values PyTorch exposes on an autograd node
SAVED = words("""
    _saved_self _saved_other _saved_result _saved_exponent _saved_mat1 _saved_mat2 _saved_vec _saved_alpha
    _saved_dim _saved_keepdim _saved_indices _saved_weight _saved_input _saved_target _saved_self_sym_sizes
    _saved_other_sym_sizes _saved_negative_slope _saved_threshold _saved_min _saved_max _saved_approximate
    _saved_tensors _saved_beta _saved_reduction _saved_scalar
""")

_SHARED_MODULE = ("parameters named_parameters zero_grad train eval children modules named_children to float double "
                  "requires_grad_ state_dict training")

# attribute names per kind of value; ``explorer.compute.program_api`` decides the kind of each value
ATTRIBUTES: dict[str, frozenset[str]] = {
    "tensor": words(_TENSOR_MATH + """
        data grad grad_fn requires_grad is_leaf shape dtype device T mT ndim is_cuda retains_grad real imag
        backward retain_grad requires_grad_ detach detach_ zero_ item tolist numpy size dim view view_as
        reshape_as expand expand_as contiguous clone to cpu cuda float double half long int bool type type_as
        register_hook add_ sub_ mul_ div_ fill_ copy_ uniform_ normal_ clamp_ masked_fill abs_ exp_ sqrt_
        sigmoid_ tanh_ relu_ pow_ neg_ square_ t_ squeeze_ unsqueeze_ is_contiguous is_floating_point
        new_tensor new_zeros new_ones narrow select element_size nelement repeat ndimension
        cos_ sin_ tan_ log_ log1p_ log2_ log10_ reciprocal_ floor_ ceil_ round_ trunc_ frac_ sign_ sinh_ cosh_
        asin_ acos_ atan_ rsqrt_ expm1_
    """),
    "node": words("name next_functions register_hook register_prehook metadata variable") | SAVED,
    "size": words("numel count index"),
    "dtype": words("is_floating_point is_complex itemsize"),
    "device": words("type index"),
    "ndarray": words("""
        shape dtype T ndim size reshape sum mean max min std var prod tolist item flatten ravel copy astype
        argmax argmin transpose dot round clip cumsum squeeze
    """),
    "module": words(_SHARED_MODULE + " weight bias in_features out_features reduction negative_slope"),
    "optimizer": words("step zero_grad param_groups"),
    "ctx": words("save_for_backward saved_tensors needs_input_grad mark_dirty mark_non_differentiable "
                 "set_materialize_grads"),
    "function_class": words("apply"),
    "handle": words("remove"),
    "list": words("append extend insert pop remove index count reverse sort copy clear"),
    "dict": words("keys values items get pop update setdefault copy clear"),
    "set": words("add discard remove pop union intersection difference copy clear"),
    "tuple": words("count index"),
    "str": words("""
        format join split rsplit strip lstrip rstrip upper lower title capitalize replace startswith endswith
        ljust rjust center zfill count find index isdigit isalpha splitlines
    """),
    "int": words("real imag bit_length conjugate"),
    "float": words("real imag is_integer conjugate"),
    "range": words("start stop step count index"),
    "finfo": words("eps max min tiny"),
    # a figure's axes and the figure itself, from plt.subplots(): their calls are kept as data too
    "axes": words("""
        plot scatter set_xlabel set_ylabel set_title legend grid set_xlim set_ylim axhline axvline
    """),
    "figure": words("suptitle tight_layout show"),
}

ALL_ATTRIBUTES: frozenset[str] = frozenset().union(*ATTRIBUTES.values())

# the decorators a def may carry, as written
DECORATORS = words("""
    torch.no_grad() torch.enable_grad() torch.inference_mode() no_grad() enable_grad() torch.no_grad
    torch.enable_grad torch.inference_mode
""")
# the methods a ``class Name(torch.autograd.Function)`` may define, each a @staticmethod
FUNCTION_METHODS = words("forward backward setup_context")
# ctx attributes a program may not set: PyTorch's own
CTX_RESERVED = ATTRIBUTES["ctx"] | words("saved_variables to_save materialize_grads dirty_tensors")
