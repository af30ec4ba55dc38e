// Drawing at most once per animation frame, however many changes ask for it in between.

/** A function that schedules ``draw`` for the next animation frame, once, however often it is called before. */
export function oncePerFrame(draw: () => void, schedule: (callback: () => void) => unknown = requestAnimationFrame): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    schedule(() => {
      scheduled = false;
      draw();
    });
  };
}
