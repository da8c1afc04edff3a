"""A page per workflow drawing its state diagram (mermaid text generated from
workflows/, rendered by the locally served mermaid.js).

A shared service: it imports workflows/, the foundation and app.auth; never a
domain."""
