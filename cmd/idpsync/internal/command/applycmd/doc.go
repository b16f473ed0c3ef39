// Package applycmd implements `idpsync apply`: it parses the flags, loads the
// desired state or verifies the saved plan, connects, and runs
// engine.Apply, which holds every gate and their order; then it renders
// what the operation reports (the plan, the progress, the result, the
// verification).
//
// It must not decide whether or when to write (that is engine.Apply), nor
// import another command package.
package applycmd
