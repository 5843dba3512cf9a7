// A deck's keys: the arrow keys and PageDown/PageUp (what a presenter's clicker sends) move between slides,
// unless the focus is somewhere they mean something else (a text box, a slider, a select, the editor).
// data: { slides }. It draws nothing; it listens on the window, before program mode's own stepping keys, which a
// deck's slides take over while a deck is open.
export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const [data] = component.data; // one item: see panels/components.py
  window.aeDeckMove = data.slides > 1 ? setTriggerValue : null;
  window.aeDeckHost = parentElement; // gone from the page once the deck closes: the keys go back to the program
  listenForSlides();
}

function listenForSlides() {
  if (window.aeDeckListening) return;
  window.aeDeckListening = true;
  window.addEventListener("keydown", (event) => {
    const way = presenterWay(event); // assets/presenter_keys.js
    if (!way || !window.aeDeckMove || !window.aeDeckHost.isConnected) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // the slide moves; the program's step does not move with it
    window.aeDeckMove("move", way);
  }, true); // the capture phase: before the editor's listener on the same window
}
