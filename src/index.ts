import { run } from './main.js'

// Not awaited: run() settles every failure itself, and a top-level await makes the bundle an async module,
// whose machinery costs about 1.5 ms of every start-up.
void run()
