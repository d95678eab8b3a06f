# lungpipe - top-level Makefile.
#
#   make            build libcore, libnet and every tool into bin/
#   make check      run all tests, then build and run them again under ASan+UBSan
#   make test       run the tests on the normal build only
#   make demo       install dependencies if missing, build, run the pipeline on a sample
#   make deps       install the Debian packages lungpipe needs (when missing)
#   make man        regenerate man/*.1 from the tools' option declarations
#   make bench      run the benchmarks in bench/ (bench-deps installs the peers)
#   make install PREFIX=/usr/local DESTDIR=
#
# Conventions: every tools/NAME.c is one program bin/NAME; every libcore/*.c
# and libcore/*.cpp goes into libcore.a, every libnet/*.c into libnet.a;
# every tests/test_*.c is a unit-test program; tests/t_*.sh are shell tests.

SAN ?= 0
CUDA ?= 0
ifeq ($(SAN),1)
B ?= build/asan
BIN ?= build/asan/bin
OPT ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
B ?= build/rel
BIN ?= bin
OPT ?= -O2 -g
endif

CC ?= cc
CXX ?= c++
ARCHFLAGS ?= -march=x86-64-v3 -mtune=generic
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS += -Ilibcore -Ilibnet -D_GNU_SOURCE
CFLAGS += -std=c11 $(OPT) $(ARCHFLAGS) $(WARN) -fopenmp -pthread
CXXFLAGS += -std=c++17 $(OPT) $(ARCHFLAGS) -Wall -Wextra -Werror -Wno-unused-parameter -fopenmp -pthread
DCMTK_LIBS = -ldcmjpls -ldcmtkcharls -ldcmjpeg -lijg8 -lijg12 -lijg16 -ldcmimage -ldcmimgle -ldcmdata -loflog -lofstd
LDLIBS = $(DCMTK_LIBS) -lopenblas -lexpat -lpng -lz -lm -fopenmp -pthread
LDFLAGS += $(OPT)

CORE_SRC := $(wildcard libcore/*.c)
CORE_CXX := $(wildcard libcore/*.cpp)
NET_SRC := $(wildcard libnet/*.c)
TOOL_SRC := $(wildcard tools/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
TOOLS := $(patsubst tools/%.c,$(BIN)/%,$(TOOL_SRC))
TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
CORE_OBJ := $(patsubst %.c,$(B)/%.o,$(CORE_SRC)) $(patsubst %.cpp,$(B)/%.o,$(CORE_CXX))
NET_OBJ := $(patsubst %.c,$(B)/%.o,$(NET_SRC))
LIBCORE := $(B)/libcore.a
LIBNET := $(B)/libnet.a

all: $(TOOLS) $(TESTS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBNET): $(NET_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: $(B)/tools/%.o $(LIBNET) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $< $(LIBNET) $(LIBCORE) $(LDLIBS) -o $@

$(B)/tests/%: $(B)/tests/%.o $(LIBNET) $(LIBCORE)
	$(CXX) $(LDFLAGS) $< $(LIBNET) $(LIBCORE) $(LDLIBS) -o $@

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# The tests: unit programs and shell scripts, summarised as "N passed, N failed".
test: all
	@LP_BIN=$(abspath $(BIN)) LP_TESTBIN=$(abspath $(B)/tests) sh tests/run.sh

check: all
	@LP_BIN=$(abspath $(BIN)) LP_TESTBIN=$(abspath $(B)/tests) sh tests/run.sh
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer =="
	$(MAKE) SAN=1 all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LP_SAN=1 LP_BIN=$(abspath build/asan/bin) LP_TESTBIN=$(abspath build/asan/tests) sh tests/run.sh

deps:
	sh scripts/deps.sh

demo: deps
	$(MAKE) all
	sh scripts/demo.sh

man: $(TOOLS)
	@for t in $(TOOLS); do n=$$(basename $$t); $$t --man > man/$$n.1.tmp && mv man/$$n.1.tmp man/$$n.1; done

bench-deps:
	sh scripts/deps.sh --bench

bench: all bench-deps
	@for b in bench/*.sh; do echo "== $$b"; sh $$b || exit 1; done

PREFIX ?= /usr/local
DESTDIR ?=
install: $(TOOLS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf build bin

.PHONY: all test check deps demo man bench bench-deps install clean
.SECONDARY:
