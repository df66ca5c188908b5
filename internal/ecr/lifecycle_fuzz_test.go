package ecr

import (
	"testing"
	"time"
)

// FuzzLifecyclePolicy: any policy text is refused with an error or parsed
// into rules that evaluate without panicking, expiring only images that
// exist, each once.
func FuzzLifecyclePolicy(f *testing.F) {
	f.Add(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`)
	f.Add(`{"rules":[{"rulePriority":2,"selection":{"tagStatus":"tagged","tagPatternList":["v*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`)
	f.Add(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["[","\\"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)
	images := []imageRecord{img("a", 3, "v1", "prod"), img("b", 1), img("c", 9, "v2"), img("d", 0.5, "[x")}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := parsePolicy(text)
		if err != nil {
			return
		}
		expired, _ := p.evaluate(images, now.Add(time.Hour))
		seen := map[string]bool{}
		for _, e := range expired {
			d := e.Digest
			if seen[d] || (d != "a" && d != "b" && d != "c" && d != "d") {
				t.Fatalf("expired %v", expired)
			}
			seen[d] = true
		}
	})
}
