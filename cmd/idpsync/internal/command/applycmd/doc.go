// Package applycmd implements `idpsync apply`: it parses the flags, loads the
// desired state or verifies the saved plan, connects, and runs
// engine.Apply, which holds every gate and their order; it hands what the
// operation reports to the views (plan/render for the plan,
// plan/render/progress for the progress and the result) and asks for
// confirmation on a terminal.
//
// It must not decide whether or when to write (that is engine.Apply), nor
// lay out progress or results itself, nor import another command package.
package applycmd
