/* The smallest program: buffered stdio, raw write(2) to stdout and stderr,
 * and a non-zero exit code through main's return. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const char out[] = "write to stdout\n";
	static const char err[] = "write to stderr\n";

	printf("hello, world\n");
	printf("printf: %d %s %c\n", 42, "str", 'c');
	/* printf output sits in the stdio buffer (stdout is a pipe) until exit,
	 * so the raw writes land first on both kernels. */
	if (write(1, out, strlen(out)) != (ssize_t)strlen(out))
		return 1;
	if (write(2, err, strlen(err)) != (ssize_t)strlen(err))
		return 1;
	return 3;
}
