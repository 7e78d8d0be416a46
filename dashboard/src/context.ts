import type { Me } from "./api";
import type { Can } from "./permissions";

export interface Ctx {
  me: Me;
  can: Can;
  go(hash: string): void;
}

export interface Mounted {
  el: HTMLElement;
  dispose?: () => void;
}

export type View = (ctx: Ctx, args: string[]) => Mounted;
