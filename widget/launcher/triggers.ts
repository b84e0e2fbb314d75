import type { ReactiveController, ReactiveControllerHost } from 'lit';

type Host = ReactiveControllerHost & {
  /** Milliseconds after load; 0 is off. */
  delay: number;
  /** Percent of the page scrolled; 0 is off. */
  scrollPercent: number;
  /** Open when the pointer leaves the window towards the browser's tabs (desktop). */
  exitIntent: boolean;
  /** Called once at most, when the first armed trigger fires. */
  triggered(): void;
};

/** Arms the launcher's automatic triggers while the host is connected. */
export class TriggerController implements ReactiveController {
  private timer = 0;
  private fired = false;

  constructor(private readonly host: Host) {
    host.addController(this);
  }

  hostConnected() {
    const { delay, scrollPercent, exitIntent } = this.host;
    if (delay > 0) this.timer = window.setTimeout(this.fire, delay);
    if (scrollPercent > 0) addEventListener('scroll', this.onScroll, { passive: true });
    if (exitIntent) document.addEventListener('mouseout', this.onMouseOut);
  }

  hostDisconnected() {
    clearTimeout(this.timer);
    removeEventListener('scroll', this.onScroll);
    document.removeEventListener('mouseout', this.onMouseOut);
  }

  private onScroll = () => {
    const room = document.documentElement.scrollHeight - innerHeight;
    if (room <= 0 || (scrollY / room) * 100 >= this.host.scrollPercent) this.fire();
  };

  /** The pointer left the document through its top edge: heading for the tabs or the URL bar. */
  private onMouseOut = (e: MouseEvent) => {
    if (!e.relatedTarget && e.clientY <= 0) this.fire();
  };

  private fire = () => {
    if (this.fired) return;
    this.fired = true;
    this.hostDisconnected();
    this.host.triggered();
  };
}
