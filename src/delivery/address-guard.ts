/**
 * Where webhook and SFTP deliveries may connect (issue 15): never to link-local or cloud-metadata
 * addresses (169.254.169.254 and its kin, whatever a name resolves to), and to private, loopback or
 * otherwise internal addresses only when the administrator's allow-list (`delivery.allowedPrivateHosts`)
 * names the host or the address. A name is resolved once and the connection goes to the address that
 * was checked, so a second lookup cannot swap it (DNS rebinding). Ranges are Node's `net.BlockList`.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Never a target: link-local, metadata services, "this network", multicast and reserved ranges. */
const FORBIDDEN = new BlockList();
FORBIDDEN.addSubnet("169.254.0.0", 16, "ipv4");
FORBIDDEN.addSubnet("0.0.0.0", 8, "ipv4");
FORBIDDEN.addSubnet("224.0.0.0", 4, "ipv4");
FORBIDDEN.addSubnet("240.0.0.0", 4, "ipv4");
FORBIDDEN.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud metadata
FORBIDDEN.addAddress("192.0.0.192", "ipv4"); // Oracle Cloud metadata
FORBIDDEN.addSubnet("fe80::", 10, "ipv6");
FORBIDDEN.addSubnet("ff00::", 8, "ipv6");
FORBIDDEN.addAddress("fd00:ec2::254", "ipv6"); // AWS metadata over IPv6
FORBIDDEN.addAddress("::", "ipv6");

/** Internal: reachable only when allowed. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet("10.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("172.16.0.0", 12, "ipv4");
PRIVATE.addSubnet("192.168.0.0", 16, "ipv4");
PRIVATE.addSubnet("127.0.0.0", 8, "ipv4");
PRIVATE.addSubnet("100.64.0.0", 10, "ipv4");
PRIVATE.addSubnet("198.18.0.0", 15, "ipv4");
PRIVATE.addAddress("::1", "ipv6");
PRIVATE.addSubnet("fc00::", 7, "ipv6");

const METADATA_NAMES = new Set(["metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"]);

export class TargetRefused extends Error {}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
function plain(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: "ipv4" };
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

/** Why an address may not be reached, or undefined when it may. */
export function refusal(host: string, address: string, allowed: readonly string[]): string | undefined {
  const { address: a, family } = plain(address);
  if (FORBIDDEN.check(a, family)) return `${host} is ${a}, a link-local, metadata or reserved address: deliveries never go there`;
  if (PRIVATE.check(a, family) && !allowed.includes(host) && !allowed.includes(a)) {
    return `${host} is ${a}, a private or loopback address: add it to delivery.allowedPrivateHosts in the server's configuration to allow it`;
  }
  return undefined;
}

/** The address to connect to for `host`, checked; throws `TargetRefused` with the reason. */
export async function resolveTarget(host: string, allowed: readonly string[]): Promise<string> {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (METADATA_NAMES.has(name)) throw new TargetRefused(`${host} is a cloud metadata service: deliveries never go there`);
  let addresses: string[];
  if (isIP(name)) addresses = [name];
  else {
    try {
      addresses = (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
    } catch (error) {
      throw new TargetRefused(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  // Every address a name has must be allowed: a resolver may answer any of them next time.
  for (const address of addresses) {
    const why = refusal(name, address, allowed);
    if (why) throw new TargetRefused(why);
  }
  return addresses[0]!;
}

/**
 * Why a target saved in a schedule is refused now, or undefined: addresses and metadata names are
 * certain; a name that does not resolve yet is accepted (it is checked again at each delivery).
 */
export async function hostRefusal(host: string, allowed: readonly string[]): Promise<string | undefined> {
  try {
    await resolveTarget(host, allowed);
    return undefined;
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    return /does not resolve/.test(error.message) ? undefined : error.message;
  }
}
