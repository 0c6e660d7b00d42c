// Command feedback is the FeedbackFunction: it receives the Delivery,
// Bounce and Complaint events that SES publishes to EventBridge for every
// email sent through the configuration set, records each on the
// email it is about, and suppresses the addresses of patients who
// complained.
package main

import (
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/feedback"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/feedbackfn"
)

// setup reads the settings once (config.ReadFeedback), loads the AWS
// configuration from the environment and builds the handler and its
// clients (feedbackfn.OnAWS).
var setup = bootstrap.Setup(config.ReadFeedback, feedbackfn.OnAWS)

func main() {
	bootstrap.Run("feedback", setup, func(h *feedback.Handler) any { return h.Handle })
}
