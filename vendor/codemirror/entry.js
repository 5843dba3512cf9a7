// CodeMirror 6 for Autograd Explorer's program editor: what assets/editor.js needs, as one global.
export { EditorView, keymap, Decoration, lineNumbers, highlightActiveLine } from "@codemirror/view";
export { EditorState, StateField, StateEffect, Compartment } from "@codemirror/state";
export { basicSetup } from "codemirror";
export { indentWithTab } from "@codemirror/commands";
export { python } from "@codemirror/lang-python";
export { oneDark } from "@codemirror/theme-one-dark";
export { indentUnit } from "@codemirror/language";
