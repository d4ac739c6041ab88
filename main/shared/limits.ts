// Limits of the platform that several rooms check against.

/** Linux sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH = 107;
