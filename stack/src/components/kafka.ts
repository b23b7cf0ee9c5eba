import type { Component, ComponentContext } from './component';
export function kafkaComponent(ctx: ComponentContext): Component {
  throw new Error('todo ' + String(ctx));
}
