package admin

import (
	"reflect"
	"testing"

	"github.com/portolan/portolan/internal/ecs"
)

// TestAwslogsStreams: only awslogs containers with a group log; a stream
// prefix makes the awslogs stream names prefix/container/task-id.
func TestAwslogsStreams(t *testing.T) {
	awslogs := func(opts map[string]string) *ecs.LogConfiguration {
		return &ecs.LogConfiguration{LogDriver: "awslogs", Options: opts}
	}
	td := &ecs.TaskDefinition{ContainerDefinitions: []ecs.ContainerDefinition{
		{Name: "app", LogConfiguration: awslogs(map[string]string{"awslogs-group": "/ecs/web", "awslogs-stream-prefix": "web"})},
		{Name: "sidecar", LogConfiguration: awslogs(map[string]string{"awslogs-group": "/ecs/web"})},
		{Name: "quiet"},
		{Name: "nogroup", LogConfiguration: awslogs(map[string]string{"awslogs-stream-prefix": "x"})},
		{Name: "other", LogConfiguration: &ecs.LogConfiguration{LogDriver: "json-file", Options: map[string]string{"awslogs-group": "/ecs/no"}}},
	}}
	want := map[string][]string{"/ecs/web": {"web/app/", ""}}
	if got := awslogsStreams(td); !reflect.DeepEqual(got, want) {
		t.Fatalf("awslogsStreams = %q, want %q", got, want)
	}
}
