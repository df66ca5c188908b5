package runtime

import "fmt"

// NotFoundError says the driver has no task or container by that ID.
type NotFoundError struct {
	Kind string // "task" or "container"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s not found", e.Kind, e.ID) }

// ImageNotFoundError says a container's image is not available to the
// runtime. Portolan never pulls, so ECS reports this as the task's
// CannotPullContainerError.
type ImageNotFoundError struct {
	Image string
	// Detail says what was looked for, for the stoppedReason.
	Detail string
}

func (e *ImageNotFoundError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("image %q not found", e.Image)
	}
	return fmt.Sprintf("image %q not found: %s", e.Image, e.Detail)
}

// InvalidSpecError says a TaskSpec or ContainerSpec field cannot be used.
type InvalidSpecError struct {
	Field string
	Value string
}

func (e *InvalidSpecError) Error() string {
	return fmt.Sprintf("invalid %s %q", e.Field, e.Value)
}
