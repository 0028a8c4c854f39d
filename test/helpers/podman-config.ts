/**
 * A private containers.conf for podman with everything it keeps below BASE
 * and ts-runc registered: no network set-up on the host, cgroupfs (no
 * systemd), file events and locks. Shared by the podman test and bench.
 */
export function containersConf(base: string, tsRunc: string, { defaultRuntime }: { defaultRuntime?: string } = {}): string {
  return `[containers]
# No network set-up at all: no bridge, no firewall rules on the host.
netns = "none"
log_driver = "k8s-file"
# Limits the container can have without CAP_SYS_RESOURCE (podman asks for 1048576 open files).
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[network]
network_config_dir = "${base}/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${base}/events.log"
tmp_dir = "${base}/tmp"
image_copy_tmp_dir = "${base}/tmp"
volume_path = "${base}/volumes"
lock_type = "file"
${defaultRuntime ? `runtime = "${defaultRuntime}"\n` : ''}# ts-runc writes runc's JSON log lines: podman then reads its errors from --log.
runtime_supports_json = ["crun", "runc", "ts-runc"]

[engine.runtimes]
ts-runc = ["${tsRunc}"]
`;
}
