package server

import (
	"context"

	"github.com/portolan/portolan/internal/cloudwatch"
)

// alarmActions hands CloudWatch's alarm actions to Application Auto
// Scaling, which is built after CloudWatch (it creates its alarms there).
type alarmActions struct{ c *cell }

func (a alarmActions) AlarmAction(ctx context.Context, arn string, ev cloudwatch.AlarmEvent) (bool, error) {
	return a.c.AppAutoScaling.AlarmAction(ctx, arn, ev)
}
