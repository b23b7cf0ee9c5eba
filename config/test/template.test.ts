import { renderTemplate } from '../src/template';

describe('renderTemplate', () => {
  it('replaces every upper-case placeholder', () => {
    expect(renderTemplate('a=${PORT}\nb=${DATA_DIR}/x', { PORT: 9092, DATA_DIR: '/d' })).toBe('a=9092\nb=/d/x');
  });

  it('leaves lower-case ${...} alone (Debezium uses ${routedByValue} in connector configs)', () => {
    expect(renderTemplate('t=${routedByValue}-events', {})).toBe('t=${routedByValue}-events');
  });

  it('fails on a placeholder without a value instead of writing an empty string', () => {
    expect(() => renderTemplate('a=${MISSING}', {})).toThrow('${MISSING} has no value');
  });
});
