/** Imported first by the cluster proof's CLI: the stack under test is the cluster topology unless told otherwise. */
process.env.STACK_TOPOLOGY ??= 'cluster';
