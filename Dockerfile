# The explorer as one container: CPU torch, Graphviz for the server-side layout, a non-root user.
#   docker build -t autograd-explorer .
#   docker run --rm -p 8501:8501 autograd-explorer        # then open http://localhost:8501
# The same image runs as a Hugging Face Space (Docker SDK) and behind deploy/compose.yaml's load balancer.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Graphviz's dot lays the graph out on the server; without it the browser lays it out, more slowly.
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*

# uid 1000: Hugging Face Spaces run the container as that user, and it owns nothing but its home.
RUN useradd --create-home --uid 1000 explorer

WORKDIR /app

# torch first, from PyTorch's CPU index: nothing later can pull the CUDA build (several GB) from PyPI.
# The version is pyproject.toml's (torch>=2.13,<2.14); tests/test_deploy.py holds the two together.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The other dependencies in their own layer, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY pyproject.toml README.md app.py ./
COPY explorer/ explorer/
COPY panels/ panels/
COPY assets/ assets/
COPY decks/ decks/
COPY static/ static/
COPY .streamlit/ .streamlit/
# root owns the code: the app cannot rewrite itself
RUN pip install --no-deps .

USER explorer

EXPOSE 8501

# Streamlit answers "ok" on /_stcore/health once it serves; python, since the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]

# .streamlit/config.toml holds the public settings (XSRF, CORS, no file watching, hidden error details).
CMD ["python", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
