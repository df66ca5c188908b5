// Package process is the embedded runtime driver: it runs each container of
// an ECS task as a host process, so that the quick start needs nothing but Go
// and a built binary. The docker driver is the faithful one; this one trades
// isolation for zero setup. It runs on Linux (/proc, pidfds, loopback
// routing), macOS and Windows (proc_portable.go: sysctl or the Win32 API
// and gopsutil, and ModePorts); New fails elsewhere.
//
// # What a container definition means here
//
// The argv is entryPoint followed by command. If both are empty, image is the
// path of the executable to run, and a missing file is an
// *runtime.ImageNotFoundError (ECS: CannotPullContainerError). If either is
// set, image is not executed: when it names a directory, that directory is
// the default working directory (like an image's WORKDIR), otherwise it is
// ignored, so a definition written for Docker ("image": "nginx", "command":
// ["nginx", ...]) runs the host's nginx. argv[0] without a slash is looked up
// in the container's PATH; with a slash, relative to the working directory.
// Relative image paths are relative to Config.WorkingDirectory.
//
// The working directory is workingDirectory (relative to the image directory
// or Config.WorkingDirectory), else the image directory, else
// Config.WorkingDirectory. The environment is a few variables passed through
// from the server (PATH, HOME, USER, LANG, TZ, TMPDIR, ...; never its
// credentials), then the definition's environment, then PORT (the first
// containerPort) and HOST (the task's address) unless the definition sets
// them. An app must listen on $HOST: that is what gives two tasks of one
// service their own 8080. CPU and memory are reported, not enforced.
//
// # Addresses
//
// Each task gets a loopback address of its own, like an awsvpc ENI: Linux
// routes all of 127.0.0.0/8 to lo, so 127.a.b.c can be bound without any
// setup. Addresses come from Config.AddressPool, by default a /24 inside
// 127/8 chosen by hashing the owner, so that several servers (or test
// binaries) on one host rarely share a pool; within a pool the lowest address
// no provisioned task holds is taken. There is no network namespace: the
// containers of a task reach each other at $HOST (not at 127.0.0.1, unless an
// app listens there), and an app that listens on 0.0.0.0 takes its port on
// every address. The same goes for health checks: "curl localhost:8080"
// only works if the app also listens on 127.0.0.1; "curl $HOST:$PORT" works
// under both runtimes.
//
// Where extra loopback addresses cannot be bound (macOS, Windows), or with
// Config.TaskAddresses = ModePorts, every task is at 127.0.0.1 (or at
// Config.SharedAddress: a node's --advertise address, where the other
// machines reach it) and each container port gets a host port of its own,
// chosen when the container
// starts, recorded with it and handed over in PORT; the container's
// runtime.ContainerState.Ports tell the agent, which reports them as ECS
// reports bridge-mode hostPorts (docs/compat.md, "Task addresses").
//
// # Surviving the server
//
// Containers outlive the server that started them, as Docker containers do:
// each runs in a session of its own (setsid, so that neither Ctrl-C on the
// server's terminal nor its hangup reaches it), is not tied to any context of
// the server, and writes stdout and stderr to files in the state directory,
// not to pipes that would break when the server dies. (New also marks the
// descriptors the server inherited close-on-exec, so that no container holds
// a pipe of the server's parent open after the server is gone.)
//
// Per container the driver keeps a JSON record there: pid, the process's
// start time (field 22 of /proc/<pid>/stat, which defeats pid reuse), argv,
// environment, working directory, and the exit status once known. A new
// Driver over the same state directory reads the records: a container is
// still running if a process with that pid and that start time is alive.
// The record is first written without a pid, before the process starts; a
// server killed before it could add the pid would leave a running process
// no record names, so each container's main process also carries
// PORTOLAN_CONTAINER_ID and PORTOLAN_OWNER in its environment. New looks
// for them in /proc/<pid>/environ: a process whose record still says
// "starting" is adopted, one whose record is gone or says it ended is killed.
// Tests must deprovision what they start (RemoveAll does it all): their
// containers outlive them too.
//
// Waiting differs by parentage. For its own children the driver keeps one
// goroutine per child that waits for the exit without reaping (waitid
// WNOWAIT, so the pid cannot be reused yet), kills what the entrypoint left
// in its session (a container's processes die with it, as in a pid
// namespace), reaps, and records the exit code. A process adopted from a
// previous server is not our child, so its exit is observed through a pidfd
// (poll) and its exit code is unknowable: it is reported as
// runtime.UnknownExitCode with a reason.
//
// Logs are the two files, tailed. A line's time is when the driver read it,
// and a cursor is the pair of file offsets after it, so a restarted server
// resumes its log shipping exactly where it stopped.
//
// # State directory
//
//	<StateDir>/tasks/<taskId>.json                 task: cluster, owner, address
//	<StateDir>/containers/<taskId>-<name>/container.json
//	<StateDir>/containers/<taskId>-<name>/stdout.log, stderr.log
//
// The container ID is "<taskId>-<name>". Records are written atomically
// (temporary file, fsync, rename).
package process
