/*
 * Resolving *inside* paths. Every path the plan gives for the container is
 * resolved with openat2(RESOLVE_IN_ROOT) below init's current root fd, so a
 * symlink in the container image ("/dev -> /", "../../etc") is interpreted
 * as if that root were "/" and can never lead a mount out of it.
 */
#ifndef TSN_RESOLVE_H
#define TSN_RESOLVE_H

#include <stddef.h>

enum create_kind { CREATE_NONE, CREATE_DIR, CREATE_FILE };

/* O_PATH fd for PATH inside ROOTFD (OFLAGS e.g. O_DIRECTORY), or -1. */
int resolve_open(int rootfd, const char *path, int oflags);

/* Like resolve_open, but creates missing parents as 0755 directories and a
 * missing last component as KIND. */
int resolve_create(int rootfd, const char *path, enum create_kind kind);

/* O_PATH fd of PATH's parent (missing directories created) and its last
 * component in NAME. */
int resolve_parent(int rootfd, const char *path, char *name, size_t namelen);

#endif
