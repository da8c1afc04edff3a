// Draws every <pre class="mermaid"> on the page with the locally served mermaid.js.
window.mermaid.initialize({ startOnLoad: true, securityLevel: "strict", theme: "neutral" });
