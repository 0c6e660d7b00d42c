package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamClient is the part of the DynamoDB Streams API a StreamReader uses.
type StreamClient interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// StreamReader reads a table's stream from its oldest record on, the way
// Lambda's event source mapping does, for running the notify handler where
// no event source mapping exists: locally and in tests.
type StreamReader struct {
	client    StreamClient
	arn       string
	iterators map[string]*string // by shard ID; nil once a shard is closed
}

// NewStreamReader returns a reader of the stream with the given ARN.
func NewStreamReader(client StreamClient, streamARN string) *StreamReader {
	return &StreamReader{client: client, arn: streamARN, iterators: map[string]*string{}}
}

// Read returns the records added to the stream since the last call, as
// Lambda would hand them to a function.
func (r *StreamReader) Read(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	desc, err := r.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &r.arn})
	if err != nil {
		return nil, fmt.Errorf("describe stream: %w", err)
	}
	var out []events.DynamoDBEventRecord
	for _, shard := range desc.StreamDescription.Shards {
		id := aws.ToString(shard.ShardId)
		it, known := r.iterators[id]
		if !known {
			got, err := r.client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn:         &r.arn,
				ShardId:           shard.ShardId,
				ShardIteratorType: streams.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				return nil, fmt.Errorf("shard iterator: %w", err)
			}
			it = got.ShardIterator
		}
		if it == nil {
			continue
		}
		recs, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
		if err != nil {
			return nil, fmt.Errorf("get records: %w", err)
		}
		r.iterators[id] = recs.NextShardIterator
		for _, rec := range recs.Records {
			out = append(out, EventRecord(rec, r.arn))
		}
	}
	return out, nil
}
