// Command digest is the DigestFunction: on the schedule's invocation each
// weekday morning it emails the front desk the requests still open, the
// overdue ones first, read from the RequestsTable's status index.
package main

import "example.com/appointments/internal/wire/digestfn"

func main() { digestfn.Function.Run() }
