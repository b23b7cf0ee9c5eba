import type { Component, ComponentContext } from './component';
export function registryComponent(ctx: ComponentContext): Component {
  throw new Error('todo ' + String(ctx));
}
