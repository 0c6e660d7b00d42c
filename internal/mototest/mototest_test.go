package mototest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"example.com/appointments/internal/mototest"
)

func TestStart(t *testing.T) {
	srv := mototest.Start(t)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	out, err := dynamodb.NewFromConfig(srv.AWSConfig()).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("ListTables on a fresh server = %v, want none", out.TableNames)
	}

	srv.Reset(t)
	if data := srv.SESData(t); data == nil {
		t.Error("SESData returned nil, want a decoded JSON object")
	}
}
