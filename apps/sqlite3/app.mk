# The sqlite3 shell of Debian's source package sqlite3, built unmodified
# from the amalgamation its own build generates (which needs tclsh), with
# the options that suit one process in one address space: no threads, no
# shared-memory WAL, no loadable extensions, pread/pwrite; the math
# functions Debian's build enables. The source is fetched and unpacked
# into the build folder, never kept here.
#
#   make APP=sqlite3                              build/sqlite3.elf, build/sqlite3.iso
#   run-qemu.sh --kernel build/sqlite3.elf --append "-- -batch :memory:" < commands.sql
KEEL_DRIVERS := virtio-rng virtio-console virtio-blk virtio-scsi

SQLITE_DIR := $(shell tools/fetch-source.sh sqlite3)
ifeq ($(SQLITE_DIR),)
$(error apps/sqlite3: cannot fetch Debian's source package sqlite3 (tools/fetch-source.sh))
endif
SQLITE_OBJ := $(BUILD)/sqlite3/src
APP_OBJS := $(SQLITE_OBJ)/sqlite3.o $(SQLITE_OBJ)/shell.o

# The amalgamation and the shell's single source, made by SQLite's own
# configure and make in a folder of the build.
$(SQLITE_OBJ)/sqlite3.c $(SQLITE_OBJ)/shell.c &:
	@command -v tclsh >/dev/null || { echo "apps/sqlite3: tclsh is needed (Debian package tcl)"; exit 1; }
	@mkdir -p $(SQLITE_OBJ)
	$(say) GEN sqlite3.c shell.c
	$(Q)cd $(SQLITE_OBJ) && $(abspath $(SQLITE_DIR))/configure --disable-tcl CC=gcc >configure.log 2>&1 && \
		$(MAKE) -s sqlite3.c shell.c >make.log 2>&1

SQLITE_CFLAGS = $(filter-out -Werror -Os,$(APP_CFLAGS)) -O2 -w -I$(SQLITE_OBJ) \
	-DSQLITE_THREADSAFE=0 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL \
	-DSQLITE_MAX_MMAP_SIZE=0 -DUSE_PREAD -DSQLITE_DEFAULT_MEMSTATUS=0

$(SQLITE_OBJ)/%.o: $(SQLITE_OBJ)/%.c $(FLAGS_STAMP)
	$(say) CC sqlite3/$*.c
	$(Q)$(CC) $(SQLITE_CFLAGS) -c $< -o $@
