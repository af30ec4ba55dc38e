// The reader's worklist (/worklist/): keyboard "next case" (N), J/K to move
// between rows, Enter to open the focused one.
import "../styles/workspace.css";
import { isTypingTarget } from "../viewer/shortcuts";

const root = document.getElementById("worklist");
if (root) {
  const links = [...root.querySelectorAll<HTMLAnchorElement>("tbody a")];
  let focused = -1;
  const focus = (index: number): void => {
    if (links.length === 0) return;
    focused = Math.max(0, Math.min(links.length - 1, index));
    links[focused].focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return;
    if (event.key === "n" || event.key === "N") {
      const next = root.dataset.nextUrl;
      if (next) window.location.assign(next);
    } else if (event.key === "j") {
      focus(focused + 1);
    } else if (event.key === "k") {
      focus(focused - 1);
    } else if (event.key === "Enter" && focused < 0 && root.dataset.nextUrl) {
      // Enter with nothing focused opens the next case; a focused link opens itself.
      window.location.assign(root.dataset.nextUrl);
    } else {
      return;
    }
    event.preventDefault();
  });
}
