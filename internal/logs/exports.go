package logs

import "context"

// Export tasks write a group's events to an S3 bucket. Portolan runs no S3,
// so it refuses to create one, clearly, and has none to list or cancel.

// CreateExportTaskInput is CreateExportTask's request (the members the
// refusal needs).
type CreateExportTaskInput struct {
	LogGroupName string `json:"logGroupName"`
	Destination  string `json:"destination"`
	From         *int64 `json:"from"`
	To           *int64 `json:"to"`
}

// DescribeExportTasksOutput is DescribeExportTasks' answer.
type DescribeExportTasksOutput struct {
	ExportTasks []struct{} `json:"exportTasks"`
}

// ExportTaskRef names an export task: CancelExportTask's request.
type ExportTaskRef struct {
	TaskID string `json:"taskId"`
}

// CreateExportTask refuses: there is no S3 to export to.
func (s *Control) CreateExportTask(ctx context.Context, in *CreateExportTaskInput) (*struct{}, error) {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return nil, err
	}
	if err := required(map[string]bool{"destination": in.Destination != "", "from": in.From != nil, "to": in.To != nil}); err != nil {
		return nil, err
	}
	if ok, err := s.HasLogGroup(ctx, in.LogGroupName); err != nil {
		return nil, err
	} else if !ok {
		return nil, errGroupNotFound
	}
	return nil, invalidParam("Portolan does not emulate Amazon S3, so it cannot export to bucket %q.", in.Destination)
}

// DescribeExportTasks lists the export tasks: there are none.
func (s *Control) DescribeExportTasks(context.Context, *struct{}) (*DescribeExportTasksOutput, error) {
	return &DescribeExportTasksOutput{ExportTasks: []struct{}{}}, nil
}

// CancelExportTask finds no task to cancel.
func (s *Control) CancelExportTask(_ context.Context, in *ExportTaskRef) (*struct{}, error) {
	if err := required(map[string]bool{"taskId": in.TaskID != ""}); err != nil {
		return nil, err
	}
	return nil, ErrResourceNotFound.Newf("The specified export task does not exist.")
}
