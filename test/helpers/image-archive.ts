/**
 * A container image without a registry: a root tree packed as a
 * docker-archive tarball (what `docker save` writes: manifest.json naming
 * the config and one uncompressed layer, plus the tag), which both
 * `podman load` and containerd's `ctr image import` read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Packs TREE as image REFERENCE (e.g. localhost/busybox:test) into ARCHIVE (a .tar path); its command is CMD. */
export function writeImageArchive(tree: string, reference: string, archive: string, cmd: string[] = ['/bin/sh']): void {
  const work = mkdtempSync(`${archive}.d-`);
  try {
    const layerFile = join(work, 'layer.tar');
    execFileSync('tar', ['--numeric-owner', '-C', tree, '-cf', layerFile, '.']);
    const layerDigest = sha256(readFileSync(layerFile));
    mkdirSync(join(work, layerDigest));
    renameSync(layerFile, join(work, layerDigest, 'layer.tar'));

    const config = JSON.stringify({
      architecture: goArch(),
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created: '2026-01-01T00:00:00Z', created_by: 'test/helpers/image-archive.ts' }],
    });
    const configFile = `${sha256(config)}.json`;
    writeFileSync(join(work, configFile), config);
    writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: configFile, RepoTags: [reference], Layers: [`${layerDigest}/layer.tar`] }]));
    execFileSync('tar', ['--numeric-owner', '-C', work, '-cf', archive, 'manifest.json', configFile, layerDigest]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The image config's architecture, in Go's names (what engines match against). */
function goArch(): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[process.arch] ?? process.arch;
}
