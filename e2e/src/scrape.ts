/**
 * The sum of one Prometheus counter over all its label sets, read from a service's
 * /metrics; 0 when the service does not answer (it may have just been killed).
 */
export async function scrapeCounterSum(serviceUrl: string | undefined, name: string): Promise<number> {
  if (!serviceUrl) return 0;
  const text = await fetch(`${serviceUrl}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
