/* libFuzzer target: a scenario file, through the tokenizer (lib/scenario.c) and every
 * step's syntax check and the loop planner (runner_validate), as `run` and `list` read
 * it. Hostile input must give an error, never a crash, a hang or unbounded memory. */
#include <stddef.h>
#include <stdint.h>
#include "runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	char err[1024];

	if (scenario_parse(&s, "fuzz.scn", (const char *)data, size, err, sizeof(err)) == 0) {
		runner_validate(&s, err, sizeof(err));
		scenario_free(&s);
	}
	return 0;
}
