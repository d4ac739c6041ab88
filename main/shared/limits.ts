// Limits of the platform that several rooms check against.

/** Linux sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** 16 MiB, containerd's own default for gRPC messages. */
export const GRPC_MAX_MESSAGE = 16 * 1024 * 1024;
