// Command bench is idpsync's evidence harness: it starts the API emulator
// in-process with a chosen latency, rate limit and fault rate, drives the
// idpsync packages (and the built CLI, for crashes) through generated desired
// states, and prints every figure as the median, min and max of several runs
// beside its lower bound and the ratio to it.
//
//	go run ./bench                               # every scenario, as in BENCHMARKS.md
//	go run ./bench -runs 1 -sizes 10,50          # a quick run
//	go run ./bench -scenarios faults,crash       # the reliability scenarios only
//	go run ./bench -markdown                     # the table as Markdown
//	go run ./bench -scenarios plan -cpuprofile cpu.out   # where the CPU goes
//
// Scenarios: 1 plan (requests and wall time of a plan against an applied
// state, within the default budget, and with 32 requests in flight), 2 apply
// (an apply from scratch, verified), 3 rate (a plan several times the rate
// budget, alone and beside another client of the same budget), 4 local
// (Diff, rendering and state.Load of large states), 5 faults (applies
// against an API failing 20% of requests), 6 crash (the CLI's apply killed
// with SIGKILL, then run again), 7 emulator (the emulator's CPU per request
// as the data it holds grows).
//
// It drives the idpsync packages the way the commands do, through package engine;
// it must not copy pipeline code from cmd/ nor import anything under cmd/ (the
// CLI is run as a built binary), and it reaches only the loopback emulator.
package main
