/** Reads the bridged-network settings that buildSpec() stored in the spec's annotations. */
import { ANNOTATION, splitList } from '../spec/annotations.js';
import type { Spec } from '../spec/oci.js';
import type { BridgeAttachment } from '../network/bridge.js';

export function bridgeOf(spec: Spec): BridgeAttachment | undefined {
  const annotations = spec.annotations ?? {};
  const bridge = annotations[ANNOTATION.bridge];
  if (!bridge) return undefined;
  return {
    bridge,
    addresses: splitList(annotations[ANNOTATION.addresses]),
    gateways: splitList(annotations[ANNOTATION.gateways]),
  };
}
