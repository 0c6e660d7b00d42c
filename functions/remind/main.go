// Command remind is the RemindFunction: on the schedule's invocation every
// few minutes it emails each patient whose appointment is due a reminder,
// read from the RequestsTable's ByAppointment index, once.
package main

import "example.com/appointments/internal/wire/remindfn"

func main() { remindfn.Function.Run() }
