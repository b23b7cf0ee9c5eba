// Tests talk to the test-profile stack unless told otherwise (test:e2e:compose sets STACK_PROFILE=dev).
process.env.STACK_PROFILE ??= 'test';
