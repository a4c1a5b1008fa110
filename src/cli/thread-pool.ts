/**
 * Imported first by the `swiftlet` command, before anything touches the file system: libuv sizes its
 * thread pool (4 threads by default) on first use, from UV_THREADPOOL_SIZE. fsync, open and rename
 * run there; with 32 threads, concurrent uploads make their files durable in parallel (this disk
 * completes ~10× more fsyncs at depth 16 than at depth 1). Worker processes inherit the setting.
 */
process.env.UV_THREADPOOL_SIZE ??= '32';
export {};
