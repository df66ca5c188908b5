package ecr_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portolan/portolan/internal/awsapi/awstest"
	"github.com/portolan/portolan/internal/ecr/ecrtest"
	"github.com/portolan/portolan/internal/ecs/runtime/runtimetest"
)

// dockerCLI runs the docker CLI with a configuration directory of its own,
// so that `docker login` never touches the user's.
type dockerCLI struct {
	t      testing.TB
	config string
	images []string // tags and ids to remove at cleanup
}

func newDockerCLI(t testing.TB) *dockerCLI {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("docker engine not reachable: %v", err)
		}
		t.Skipf("docker engine not reachable: %v", err)
	}
	d := &dockerCLI{t: t, config: t.TempDir()}
	t.Cleanup(func() {
		for _, img := range d.images {
			exec.Command("docker", "--config", d.config, "rmi", "-f", img).Run()
		}
	})
	return d
}

// run runs docker with stdin and returns its combined output and error.
func (d *dockerCLI) run(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", append([]string{"--config", d.config}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *dockerCLI) must(stdin string, args ...string) string {
	d.t.Helper()
	out, err := d.run(stdin, args...)
	if err != nil {
		d.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// build builds tag FROM scratch with the static test app, and a label
// that makes each variant a different image.
func (d *dockerCLI) build(app, tag, variant string) {
	d.t.Helper()
	dir := d.t.TempDir()
	b, err := os.ReadFile(app)
	if err != nil {
		d.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "app"), b, 0o755)
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY app /app\nLABEL variant="+variant+"\nENTRYPOINT [\"/app\"]\n"), 0o644)
	// The image's id too: a tag that moves away leaves it dangling.
	d.images = append(d.images, tag, strings.TrimSpace(d.must("", "build", "-q", "-t", tag, dir)))
}

// push pushes tag and returns the digest the registry gave it.
func (d *dockerCLI) push(tag string) string {
	d.t.Helper()
	out := d.must("", "push", tag)
	m := regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		d.t.Fatalf("docker push %s: no digest in\n%s", tag, out)
	}
	return m[1]
}

type imageDetail struct {
	ImageDigest            string
	ImageTags              []string
	ImageSizeInBytes       int64
	ImagePushedAt          string
	ImageManifestMediaType string
}

func describeImages(t testing.TB, endpoint, repo string) []imageDetail {
	t.Helper()
	var out struct{ ImageDetails []imageDetail }
	if err := json.Unmarshal(awstest.CLI(context.Background(), t, endpoint, "ecr", "describe-images", "--repository-name", repo), &out); err != nil {
		t.Fatal(err)
	}
	return out.ImageDetails
}

// The must-show, with the real clients: create-repository,
// get-login-password | docker login, docker build + push, describe-images,
// a lifecycle policy keeping 2 images, IMMUTABLE tags, and a push to a
// repository that does not exist.
func TestDockerPushDescribeLifecycle(t *testing.T) {
	awstest.NeedCLI(t)
	d := newDockerCLI(t)
	e := ecrtest.Start(t, "")
	ctx := context.Background()
	app := runtimetest.BuildApp(t)

	var created struct {
		Repository struct{ RepositoryUri, RepositoryArn string }
	}
	json.Unmarshal(awstest.CLI(ctx, t, e.Endpoint, "ecr", "create-repository", "--repository-name", "ecr-test/app"), &created)
	uri := created.Repository.RepositoryUri
	if uri != e.RegistryAddr+"/ecr-test/app" {
		t.Fatalf("repositoryUri = %q, want %s/ecr-test/app", uri, e.RegistryAddr)
	}

	// Without logging in, the registry refuses.
	d.build(app, uri+":v1", "1")
	if out, err := d.run("", "push", uri+":v1"); err == nil || !strings.Contains(out, "no basic auth credentials") {
		t.Fatalf("push before login: %v\n%s", err, out)
	}
	password := strings.TrimSpace(string(awstest.CLI(ctx, t, e.Endpoint, "ecr", "get-login-password")))
	if out := d.must(password, "login", "--username", "AWS", "--password-stdin", e.RegistryAddr); !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("docker login: %s", out)
	}
	if out, err := d.run("not-a-token", "login", "--username", "AWS", "--password-stdin", e.RegistryAddr); err == nil {
		t.Fatalf("docker login with a bad password succeeded:\n%s", out)
	}
	d.must(password, "login", "--username", "AWS", "--password-stdin", e.RegistryAddr)

	digest1 := d.push(uri + ":v1")
	imgs := describeImages(t, e.Endpoint, "ecr-test/app")
	if len(imgs) != 1 || imgs[0].ImageDigest != digest1 || !slices.Equal(imgs[0].ImageTags, []string{"v1"}) || imgs[0].ImageSizeInBytes <= 0 ||
		imgs[0].ImagePushedAt == "" || imgs[0].ImageManifestMediaType != "application/vnd.docker.distribution.manifest.v2+json" {
		t.Fatalf("describe-images after the push = %+v, want %s tagged v1", imgs, digest1)
	}

	// A repository that does not exist refuses the push, in ECR's words.
	d.build(app, e.RegistryAddr+"/ecr-missing:v1", "1")
	if out, err := d.run("", "push", e.RegistryAddr+"/ecr-missing:v1"); err == nil || !strings.Contains(out, "The repository with name 'ecr-missing' does not exist") {
		t.Fatalf("push to a missing repository: %v\n%s", err, out)
	}

	// Two more images; a policy keeping 2 expires v1.
	d.build(app, uri+":v2", "2")
	digest2 := d.push(uri + ":v2")
	d.build(app, uri+":v3", "3")
	digest3 := d.push(uri + ":v3")
	policy := `{"rules":[{"rulePriority":1,"description":"keep 2","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`
	awstest.CLI(ctx, t, e.Endpoint, "ecr", "put-lifecycle-policy", "--repository-name", "ecr-test/app", "--lifecycle-policy-text", policy)
	var digests []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		digests = digests[:0]
		for _, img := range describeImages(t, e.Endpoint, "ecr-test/app") {
			digests = append(digests, img.ImageDigest)
		}
		if len(digests) == 2 || time.Now().After(deadline) {
			break
		}
	}
	slices.Sort(digests)
	want := []string{digest2, digest3}
	slices.Sort(want)
	if !slices.Equal(digests, want) {
		t.Fatalf("after the lifecycle policy: images %v, want %v (v1 %s expired)", digests, want, digest1)
	}

	// What remains pulls; what expired does not.
	d.must("", "rmi", uri+":v1", uri+":v3")
	d.must("", "pull", uri+":v3")
	d.images = append(d.images, strings.TrimSpace(d.must("", "image", "inspect", "-f", "{{.Id}}", uri+":v3")))
	if out, err := d.run("", "pull", uri+":v1"); err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("pull of the expired image: %v\n%s", err, out)
	}

	// IMMUTABLE: the tag cannot move to another image.
	awstest.CLI(ctx, t, e.Endpoint, "ecr", "put-image-tag-mutability", "--repository-name", "ecr-test/app", "--image-tag-mutability", "IMMUTABLE")
	d.build(app, uri+":v3", "4")
	if out, err := d.run("", "push", uri+":v3"); err == nil || !strings.Contains(out, "cannot be overwritten because the repository is immutable") {
		t.Fatalf("push over an immutable tag: %v\n%s", err, out)
	}
	if imgs := describeImages(t, e.Endpoint, "ecr-test/app"); len(imgs) != 2 {
		t.Fatalf("after the refused push: %+v", imgs)
	}
}
