import type { Component, ComponentContext } from './component';
export function connectComponent(ctx: ComponentContext): Component {
  throw new Error('todo ' + String(ctx));
}
