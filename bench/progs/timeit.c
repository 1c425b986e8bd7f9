/*
 * timeit COMMAND [ARGS...]: runs COMMAND with this program's standard
 * input and output, then prints "timeit: N us" (the monotonic clock, from
 * just before the fork to the end of the wait) and exits with its status.
 * The Linux guest's stand-in for the "ran for" line a Keel image prints
 * when its application ends: busybox's date and time have no better
 * resolution than 10 ms.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ll + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: timeit COMMAND [ARGS...]\n");
		return 2;
	}
	long long t0 = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("timeit: exec");
		_exit(127);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) < 0) {
		perror("timeit: waitpid");
		return 2;
	}
	fprintf(stderr, "timeit: %lld us\n", now_us() - t0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
