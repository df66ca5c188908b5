package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/portolan/portolan/internal/awsapi"
	"github.com/portolan/portolan/internal/store"
)

type testEnv struct {
	svc    *Service
	db     *store.Bolt
	client *cwl.Client
	url    string
}

// newTestEnv serves a Service over a bolt file on a loopback listener and
// returns an SDK client pointed at it.
func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	db, err := store.OpenBolt(filepath.Join(t.TempDir(), "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Region, cfg.AccountID, cfg.Store = "us-east-1", "123456789012", db
	svc := New(cfg)
	mux := awsapi.NewMux(nil)
	svc.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := cwl.New(cwl.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: plainBodyTransport{http.DefaultTransport}},
	})
	return &testEnv{svc: svc, db: db, client: client, url: srv.URL}
}

// plainBodyTransport hides the io.WriterTo of the SDK's request body. The SDK
// closes that body as soon as response headers arrive, and its WriteTo then
// reports io.EOF as an error to net/http's final "nothing more to send?"
// check, which closes the connection under a response still being read:
// "use of closed network connection" on big (1 MB) pages, a few times a
// hundred on loopback (aws-sdk-go-v2 issues 1825 and 2737).
type plainBodyTransport struct{ rt http.RoundTripper }

func (p plainBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = struct{ io.ReadCloser }{req.Body}
	}
	return p.rt.RoundTrip(req)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func errCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestLifecycle(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	const group = "/ecs/web"
	arn := "arn:aws:logs:us-east-1:123456789012:log-group:" + group

	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{
		LogGroupName: aws.String(group), Tags: map[string]string{"team": "edge"},
	}))
	_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)})
	if errCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate group: %v", err)
	}
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123"),
	}))
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")})
	if errCode(err) != "ResourceAlreadyExistsException" {
		t.Fatalf("duplicate stream: %v", err)
	}

	now := time.Now().UnixMilli()
	put := must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123"),
		LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now - 2000), Message: aws.String("starting")},
			{Timestamp: aws.Int64(now - 1000), Message: aws.String("listening on :8080")},
			{Timestamp: aws.Int64(now), Message: aws.String("GET / 200")},
		},
	}))
	if put.NextSequenceToken == nil || put.RejectedLogEventsInfo != nil {
		t.Fatalf("put: %+v", put)
	}

	groups := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if len(groups.LogGroups) != 1 {
		t.Fatalf("groups: %+v", groups.LogGroups)
	}
	g := groups.LogGroups[0]
	if aws.ToString(g.LogGroupName) != group || aws.ToString(g.Arn) != arn+":*" || aws.ToString(g.LogGroupArn) != arn ||
		aws.ToInt64(g.CreationTime) < now-60_000 || aws.ToInt64(g.StoredBytes) == 0 || g.MetricFilterCount == nil ||
		*g.MetricFilterCount != 0 || g.LogGroupClass != types.LogGroupClassStandard || g.RetentionInDays != nil {
		t.Fatalf("group: %+v", g)
	}

	streams := must[*cwl.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(group)}))
	if len(streams.LogStreams) != 1 {
		t.Fatalf("streams: %+v", streams.LogStreams)
	}
	st := streams.LogStreams[0]
	if aws.ToString(st.Arn) != arn+":log-stream:web/app/0123" || aws.ToInt64(st.FirstEventTimestamp) != now-2000 ||
		aws.ToInt64(st.LastEventTimestamp) != now || aws.ToInt64(st.LastIngestionTime) < now-60_000 || st.UploadSequenceToken == nil {
		t.Fatalf("stream: %+v", st)
	}

	// GetLogEvents by name and by ARN identifier.
	for _, in := range []*cwl.GetLogEventsInput{
		{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")},
		{LogGroupIdentifier: aws.String(arn), LogStreamName: aws.String("web/app/0123")},
	} {
		got := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, in))
		if len(got.Events) != 3 || aws.ToString(got.Events[0].Message) != "starting" || aws.ToString(got.Events[2].Message) != "GET / 200" ||
			aws.ToInt64(got.Events[1].Timestamp) != now-1000 || aws.ToInt64(got.Events[1].IngestionTime) == 0 {
			t.Fatalf("get: %+v", got.Events)
		}
		if !strings.HasPrefix(aws.ToString(got.NextForwardToken), "f/") || !strings.HasPrefix(aws.ToString(got.NextBackwardToken), "b/") {
			t.Fatalf("tokens: %q %q", aws.ToString(got.NextForwardToken), aws.ToString(got.NextBackwardToken))
		}
	}

	// Retention.
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(14)}))
	_, err = c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(2)})
	if errCode(err) != "InvalidParameterException" {
		t.Fatalf("retention 2: %v", err)
	}
	groups = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/")}))
	if aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 14 {
		t.Fatalf("retention: %+v", groups.LogGroups[0])
	}
	must[*cwl.DeleteRetentionPolicyOutput](t)(c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String(group)}))
	groups = must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))
	if groups.LogGroups[0].RetentionInDays != nil {
		t.Fatalf("retention not deleted: %+v", groups.LogGroups[0])
	}

	// Tags, through both generations of the API.
	must[*cwl.TagResourceOutput](t)(c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}))
	//lint:ignore SA1019 the deprecated tagging API is still served, and clients still call it
	must[*cwl.TagLogGroupOutput](t)(c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String(group), Tags: map[string]string{"owner": "me"}}))
	must[*cwl.UntagResourceOutput](t)(c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn + ":*"), TagKeys: []string{"team"}}))
	tags := must[*cwl.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
	if fmt.Sprint(tags.Tags) != "map[env:dev owner:me]" {
		t.Fatalf("tags: %v", tags.Tags)
	}
	//lint:ignore SA1019 as above
	must[*cwl.UntagLogGroupOutput](t)(c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String(group), Tags: []string{"env"}}))
	//lint:ignore SA1019 as above
	old := must[*cwl.ListTagsLogGroupOutput](t)(c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String(group)}))
	if fmt.Sprint(old.Tags) != "map[owner:me]" {
		t.Fatalf("tags: %v", old.Tags)
	}

	// Deletion takes the events with it.
	must[*cwl.DeleteLogStreamOutput](t)(c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")}))
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("web/app/0123")})
	if errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted stream: %v", err)
	}
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, EventsPrefix, indexPrefix, trashPrefix)
	must[*cwl.DeleteLogGroupOutput](t)(c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(group)}))
	_, err = c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(group)})
	if errCode(err) != "ResourceNotFoundException" {
		t.Fatalf("delete twice: %v", err)
	}
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, "logs/")
}

func assertNoKeys(t *testing.T, db store.Store, prefixes ...string) {
	t.Helper()
	for _, p := range prefixes {
		kvs, _, err := db.List(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if len(kvs) > 0 {
			t.Errorf("%d keys left under %s, first %s", len(kvs), p, kvs[0].Key)
		}
	}
}

func TestDeleteGroupPurgesEvents(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := ctxT(t)
	for i := range 3 {
		events := make([]Event, 2000)
		for j := range events {
			events[j] = Event{Time: time.Now().Add(-time.Duration(j) * time.Second), Message: strings.Repeat("x", 300)}
		}
		if err := env.svc.Append(ctx, "g", fmt.Sprintf("s%d", i), events); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	// The group and its streams are gone at once; Run purges the events.
	assertNoKeys(t, env.db, groupsPrefix, streamsPrefix)
	if err := env.svc.collectTrash(ctx); err != nil {
		t.Fatal(err)
	}
	assertNoKeys(t, env.db, "logs/")
	// A group of the same name starts empty.
	if err := env.svc.Append(ctx, "g", "s0", []Event{{Message: "fresh"}}); err != nil {
		t.Fatal(err)
	}
	got := must[*cwl.GetLogEventsOutput](t)(env.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s0")}))
	if len(got.Events) != 1 || aws.ToString(got.Events[0].Message) != "fresh" {
		t.Fatalf("recreated stream sees %d events", len(got.Events))
	}
}

func TestErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	now := time.Now().UnixMilli()
	ev := func(ts int64, msg string) types.InputLogEvent {
		return types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(msg)}
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"group name with space", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("a b")})
			return err
		}, "InvalidParameterException"},
		{"stream name with colon", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("a:b")})
			return err
		}, "InvalidParameterException"},
		{"stream in missing group", func() error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s")})
			return err
		}, "ResourceNotFoundException"},
		{"describe streams of missing group", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"order by time with prefix", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g"), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"describe groups limit 51", func() error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
			return err
		}, "InvalidParameterException"},
		{"prefix and pattern", func() error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("g"), LogGroupNamePattern: aws.String("g")})
			return err
		}, "InvalidParameterException"},
		{"put to missing stream", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope"), LogEvents: []types.InputLogEvent{ev(now, "x")}})
			return err
		}, "ResourceNotFoundException"},
		{"put to missing group", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("nope"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "x")}})
			return err
		}, "ResourceNotFoundException"},
		{"put out of order", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "b"), ev(now-1, "a")}})
			return err
		}, "InvalidParameterException"},
		{"put spanning 25 hours", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now-25*3600_000, "a"), ev(now, "b")}})
			return err
		}, "InvalidParameterException"},
		{"put over 1 MiB", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, strings.Repeat("x", 600_000)), ev(now, strings.Repeat("y", 600_000))}})
			return err
		}, "InvalidParameterException"},
		{"put empty message", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), LogEvents: []types.InputLogEvent{ev(now, "")}})
			return err
		}, "InvalidParameterException"},
		{"get from missing stream", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"get with name and identifier", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogGroupIdentifier: aws.String("g"), LogStreamName: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"get with a bad token", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), NextToken: aws.String("f/xyz")})
			return err
		}, "InvalidParameterException"},
		{"get limit 10001", func() error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), Limit: aws.Int32(10001)})
			return err
		}, "InvalidParameterException"},
		{"filter missing group", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"filter names and prefix", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), LogStreamNames: []string{"s"}, LogStreamNamePrefix: aws.String("s")})
			return err
		}, "InvalidParameterException"},
		{"filter bad pattern", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), FilterPattern: aws.String(`"unterminated`)})
			return err
		}, "InvalidParameterException"},
		{"filter descending before 2024", func() error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String("g"), StartFromHead: aws.Bool(false), StartTime: aws.Int64(0)})
			return err
		}, "InvalidParameterException"},
		{"retention on missing group", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("nope"), RetentionInDays: aws.Int32(1)})
			return err
		}, "ResourceNotFoundException"},
		{"retention 0 days", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(0)})
			return err
		}, "InvalidParameterException"},
		{"tag a missing group", func() error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:nope"), Tags: map[string]string{"a": "b"}})
			return err
		}, "ResourceNotFoundException"},
		{"tag a non-ARN", func() error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("g"), Tags: map[string]string{"a": "b"}})
			return err
		}, "InvalidParameterException"},
		{"too many tags", func() error {
			tags := map[string]string{}
			for i := range 51 {
				tags[fmt.Sprint("k", i)] = "v"
			}
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g"), Tags: tags})
			return err
		}, "TooManyTagsException"},
		{"delete missing stream", func() error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("nope")})
			return err
		}, "ResourceNotFoundException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.call()); got != tc.code {
				t.Fatalf("got %q, want %s", got, tc.code)
			}
		})
	}
}

func TestPutLogEventsRejects(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g")}))
	must[*cwl.CreateLogStreamOutput](t)(c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	must[*cwl.PutRetentionPolicyOutput](t)(c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("g"), RetentionInDays: aws.Int32(1)}))
	now := time.Now()
	ms := func(d time.Duration) *int64 { return aws.Int64(now.Add(d).UnixMilli()) }
	out := must[*cwl.PutLogEventsOutput](t)(c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{
			{Timestamp: ms(-15 * 24 * time.Hour), Message: aws.String("too old")}, // 0
			{Timestamp: ms(-2 * 24 * time.Hour), Message: aws.String("expired")},  // 1
			{Timestamp: ms(-time.Minute), Message: aws.String("kept 1")},          // 2
			{Timestamp: ms(0), Message: aws.String("kept 2")},                     // 3
			{Timestamp: ms(3 * time.Hour), Message: aws.String("too new")},        // 4
		},
	}))
	r := out.RejectedLogEventsInfo
	if r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 0 || aws.ToInt32(r.ExpiredLogEventEndIndex) != 1 || aws.ToInt32(r.TooNewLogEventStartIndex) != 4 {
		t.Fatalf("rejected: %+v", r)
	}
	got := must[*cwl.GetLogEventsOutput](t)(c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}))
	if len(got.Events) != 2 || aws.ToString(got.Events[0].Message) != "kept 1" || aws.ToString(got.Events[1].Message) != "kept 2" {
		t.Fatalf("stored: %+v", got.Events)
	}
}

func TestDescribePaging(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx, c := ctxT(t), env.client
	for i := range 120 {
		must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fmt.Sprintf("/app/g%03d", i))}))
	}
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/other/DataLogs")}))

	var names []string
	p := cwl.NewDescribeLogGroupsPaginator(c, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/app/")})
	pages := 0
	for p.HasMorePages() {
		page := must[*cwl.DescribeLogGroupsOutput](t)(p.NextPage(ctx))
		pages++
		for _, g := range page.LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
	}
	if pages != 3 || len(names) != 120 || names[0] != "/app/g000" || names[119] != "/app/g119" {
		t.Fatalf("%d pages, %d names", pages, len(names))
	}
	must[*cwl.CreateLogGroupOutput](t)(c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/other/cheap"), LogGroupClass: types.LogGroupClassInfrequentAccess}))
	cheap := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupClass: types.LogGroupClassEssentials}))
	if len(cheap.LogGroups) != 1 || cheap.LogGroups[0].LogGroupClass != types.LogGroupClassInfrequentAccess {
		t.Fatalf("class filter: %+v", cheap.LogGroups)
	}
	pat := must[*cwl.DescribeLogGroupsOutput](t)(c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("Data")}))
	if len(pat.LogGroups) != 1 || aws.ToString(pat.LogGroups[0].LogGroupName) != "/other/DataLogs" || pat.LogGroups[0].StoredBytes != nil {
		t.Fatalf("pattern: %+v", pat.LogGroups)
	}

	// Streams ordered by last event time, newest first, paged by 2.
	base := time.Now().Add(-time.Hour)
	for i, name := range []string{"c", "a", "e", "b", "d"} {
		if err := env.svc.Append(ctx, "/app/g000", name, []Event{{Time: base.Add(time.Duration(i) * time.Minute), Message: name}}); err != nil {
			t.Fatal(err)
		}
	}
	var order []string
	sp := cwl.NewDescribeLogStreamsPaginator(c, &cwl.DescribeLogStreamsInput{
		LogGroupName: aws.String("/app/g000"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(2),
	})
	for sp.HasMorePages() {
		for _, s := range must[*cwl.DescribeLogStreamsOutput](t)(sp.NextPage(ctx)).LogStreams {
			order = append(order, aws.ToString(s.LogStreamName))
		}
	}
	if strings.Join(order, "") != "dbeac" {
		t.Fatalf("by time desc: %v", order)
	}
	byName := must[*cwl.DescribeLogStreamsOutput](t)(c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/app/g000"), LogStreamNamePrefix: aws.String("b")}))
	if len(byName.LogStreams) != 1 || aws.ToString(byName.LogStreams[0].LogStreamName) != "b" {
		t.Fatalf("prefix: %+v", byName.LogStreams)
	}
}

// TestDeleteGroupWhileWriting: deleting a group under a busy Writer leaves
// no orphans. The Writer recreates the group (as an awslogs driver with
// awslogs-create-group would on restart), and every stored chunk belongs to
// a live stream once the trash is collected.
func TestDeleteGroupWhileWriting(t *testing.T) {
	env := newTestEnv(t, Config{FlushInterval: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { done <- env.svc.Run(ctx) }()
	w, err := env.svc.NewWriter(ctx, "g", "s")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			w.Log(time.Time{}, fmt.Sprint("line ", i))
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for range 5 {
		time.Sleep(30 * time.Millisecond)
		if _, err := env.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("g")}); err != nil && errCode(err) != "ResourceNotFoundException" {
			t.Fatal(err)
		}
	}
	close(stop)
	<-logged
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := env.svc.collectTrash(context.Background()); err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	streams, _, _ := env.db.List(context.Background(), streamsPrefix)
	for _, kv := range streams {
		st, _ := decodeStream(kv.Value)
		live[hex16(st.ID)] = true
	}
	if len(streams) != 1 {
		t.Fatalf("%d streams", len(streams))
	}
	for _, prefix := range []string{EventsPrefix, indexPrefix} {
		kvs, _, _ := env.db.List(context.Background(), prefix)
		for _, kv := range kvs {
			if id := strings.SplitN(strings.TrimPrefix(kv.Key, prefix), "/", 2)[0]; !live[id] {
				t.Fatalf("orphan %s", kv.Key)
			}
		}
	}
}
