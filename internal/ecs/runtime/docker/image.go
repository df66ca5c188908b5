package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"

	"github.com/portolan/portolan/internal/ecs/runtime"
)

// Registry is an image registry Portolan serves (ECR's): the only place
// the driver pulls from, as nothing else can be pulled here.
type Registry interface {
	// PullRef says what to pull for a task definition's image, with the
	// credentials to pull it; ok is false for an image the registry does
	// not serve.
	PullRef(ctx context.Context, image string) (ref, username, password string, ok bool, err error)
}

// image makes a container's image available to the engine and returns the
// reference to create the container from: an image of Portolan's registry
// is pulled (every time, as ECS's default pull behaviour), any other must
// be in the engine already.
func (d *Driver) image(ctx context.Context, image string) (string, error) {
	if d.cfg.Registry != nil {
		ref, user, password, ok, err := d.cfg.Registry.PullRef(ctx, image)
		if err != nil {
			return "", err
		}
		if ok {
			if err := d.pull(ctx, ref, user, password); err != nil {
				return "", &runtime.ImageNotFoundError{Image: image, Detail: fmt.Sprintf("pull %s: %v", ref, err)}
			}
			return ref, nil
		}
	}
	if _, err := d.cli.ImageInspect(ctx, image); err != nil {
		if cerrdefs.IsNotFound(err) {
			return "", &runtime.ImageNotFoundError{Image: image, Detail: "not in the local Docker engine, and Portolan pulls only from its own registry"}
		}
		return "", err
	}
	return image, nil
}

// pull has the engine pull ref with the credentials, to the end.
func (d *Driver) pull(ctx context.Context, ref, user, password string) error {
	auth, _ := json.Marshal(registry.AuthConfig{Username: user, Password: password})
	res, err := d.cli.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: base64.URLEncoding.EncodeToString(auth)})
	if err != nil {
		return err
	}
	defer res.Close()
	return res.Wait(ctx)
}

// BuildScratchImage builds the image tag FROM scratch holding one static
// executable, binaryPath, as /app, which is also its entrypoint. It needs no
// registry and no base image, which is how tests get images on an engine
// that cannot pull.
func BuildScratchImage(ctx context.Context, cli *client.Client, tag, binaryPath string) error {
	b, err := os.ReadFile(binaryPath)
	if err != nil {
		return err
	}
	return buildScratch(ctx, cli, tag, "app", b)
}

// buildScratch builds tag FROM scratch with content as /name, its
// entrypoint, using the engine's build API on an in-memory tar context.
func buildScratch(ctx context.Context, cli *client.Client, tag, name string, content []byte) error {
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY %s /%s\nENTRYPOINT [\"/%s\"]\n", name, name, name)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		b    []byte
	}{{"Dockerfile", 0o644, []byte(dockerfile)}, {name, 0o755, content}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.b))}); err != nil {
			return err
		}
		if _, err := tw.Write(f.b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, SuppressOutput: true,
		// The classic builder: BuildKit would need a session for a plain
		// API call, and FROM scratch needs nothing it adds.
		Version: build.BuilderV1,
	})
	if err != nil {
		return fmt.Errorf("build image %s: %w", tag, err)
	}
	defer res.Body.Close()
	// Errors come inside the stream, after a 200.
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("build image %s: %w", tag, err)
		}
		if m.Error != nil {
			return fmt.Errorf("build image %s: %s", tag, m.Error.Message)
		}
	}
}

// ensurePauseImage makes sure the pause image for the engine's architecture
// exists and returns its tag. The tag carries a hash of the program, so a
// change of the program gets a new image and old servers keep theirs.
func ensurePauseImage(ctx context.Context, cli *client.Client, arch string) (string, error) {
	prog, err := pauseProgram(arch)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(prog)
	tag := "portolan/pause:" + arch + "-" + hex.EncodeToString(sum[:6])
	_, err = cli.ImageInspect(ctx, tag)
	if err == nil {
		return tag, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return "", err
	}
	return tag, buildScratch(ctx, cli, tag, "pause", prog)
}

// pauseProgram returns a complete static ELF executable for the Linux
// architecture arch (Go's names) that sleeps forever using no CPU: all a
// pause container has to do is exist, holding the task's network namespace.
// It ignores SIGTERM (it is pid 1 without handlers), so the driver removes
// it with SIGKILL.
func pauseProgram(arch string) ([]byte, error) {
	var machine uint16
	var code []byte
	switch arch {
	case "amd64":
		machine = 62 // EM_X86_64
		code = []byte{
			0xb8, 0x22, 0x00, 0x00, 0x00, // mov eax, 34 (pause)
			0x0f, 0x05, // syscall
			0xeb, 0xf7, // jmp back to mov
		}
	case "arm64":
		machine = 183 // EM_AARCH64; there is no pause(2), so ppoll(NULL, 0, NULL, NULL)
		for _, ins := range []uint32{
			0xaa1f03e0, // mov x0, xzr
			0xaa1f03e1, // mov x1, xzr
			0xaa1f03e2, // mov x2, xzr
			0xaa1f03e3, // mov x3, xzr
			0xd2800928, // mov x8, #73 (ppoll)
			0xd4000001, // svc #0
			0x17fffffa, // b back to the first mov
		} {
			code = binary.LittleEndian.AppendUint32(code, ins)
		}
	default:
		return nil, fmt.Errorf("docker runtime: no pause program for architecture %q", arch)
	}

	// One ELF header, one PT_LOAD program header mapping the whole file
	// read+execute at base, then the code.
	const base, ehsize, phsize = 0x400000, 64, 56
	le := binary.LittleEndian
	b := []byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */}
	b = append(b, make([]byte, 8)...) // rest of e_ident
	b = le.AppendUint16(b, 2)         // e_type: ET_EXEC
	b = le.AppendUint16(b, machine)
	b = le.AppendUint32(b, 1)                   // e_version
	b = le.AppendUint64(b, base+ehsize+phsize)  // e_entry: the code
	b = le.AppendUint64(b, ehsize)              // e_phoff
	b = le.AppendUint64(b, 0)                   // e_shoff: no sections
	b = le.AppendUint32(b, 0)                   // e_flags
	b = le.AppendUint16(b, ehsize)              // e_ehsize
	b = le.AppendUint16(b, phsize)              // e_phentsize
	b = le.AppendUint16(b, 1)                   // e_phnum
	b = le.AppendUint16(b, 0)                   // e_shentsize
	b = le.AppendUint16(b, 0)                   // e_shnum
	b = le.AppendUint16(b, 0)                   // e_shstrndx
	size := uint64(ehsize + phsize + len(code)) //
	b = le.AppendUint32(b, 1)                   // p_type: PT_LOAD
	b = le.AppendUint32(b, 5)                   // p_flags: R+X
	b = le.AppendUint64(b, 0)                   // p_offset
	b = le.AppendUint64(b, base)                // p_vaddr
	b = le.AppendUint64(b, base)                // p_paddr
	b = le.AppendUint64(b, size)                // p_filesz
	b = le.AppendUint64(b, size)                // p_memsz
	b = le.AppendUint64(b, 0x10000)             // p_align
	return append(b, code...), nil
}
