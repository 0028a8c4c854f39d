/** libseccomp's architecture names, and the one this process runs on. */

const NATIVE: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'SCMP_ARCH_X86_64',
  ia32: 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ppc64: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390x: 'SCMP_ARCH_S390X',
  loong64: 'SCMP_ARCH_LOONGARCH64',
};

export function nativeArchitecture(): string {
  const arch = NATIVE[process.arch];
  if (!arch) throw new Error(`no seccomp architecture known for ${process.arch}`);
  return arch;
}

/** `SCMP_ARCH_X86_64` -> `x86_64`, the name seccomp_arch_resolve_name() takes. */
export function executorArchName(arch: string): string | undefined {
  const match = /^SCMP_ARCH_([A-Z0-9_]+)$/.exec(arch);
  return match ? match[1]!.toLowerCase() : undefined;
}
