// Bootstrap broker lists, as every command takes them: "host:port[,host:port...]"; a bare host gets
// Kafka's default port 9092. Throws with a message fit for the user.

export function parseBrokerList(raw: string): string[] {
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '').map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`));
  if (brokers.length === 0) throw new Error('expected host:port[,host:port...]');
  for (const broker of brokers) {
    const match = /^([^\s:]+|\[[0-9a-fA-F:.]+\]):(\d+)$/.exec(broker);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) throw new Error(`"${broker}": expected host:port with a port from 1 to 65535`);
  }
  return brokers;
}
