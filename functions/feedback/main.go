// Command feedback is the FeedbackFunction: it receives the Delivery,
// Bounce and Complaint events that SES publishes to EventBridge for every
// email sent through the configuration set, records each on the
// email it is about, and suppresses the addresses of patients who
// complained.
package main

import "example.com/appointments/internal/wire/feedbackfn"

func main() { feedbackfn.Function.Run() }
