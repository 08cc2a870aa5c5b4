# ---- the browser test of the HTML reports (tests/integration/report.sh) ----------------
# Debian's Chromium renders a report and a matrix index headless; tests/browser/pngjudge
# (C, zlib) judges the screenshots. Both are installed/built before the integration tests.
BROWSER_PKGS := chromium zlib1g-dev

$(B)/browser/.deps: host/install-deps.sh tests/browser/browser.mk
	@mkdir -p $(@D)
	EXTRA_PKGS="$(BROWSER_PKGS)" GUEST_ARCHES="$(GUEST_ARCHES)" host/install-deps.sh
	@touch $@

$(B)/browser/pngjudge: tests/browser/pngjudge.c | $(B)/browser/.deps
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) $(WARN) -o $@ $< -lz

browser-deps: $(B)/browser/.deps $(B)/browser/pngjudge
integration: browser-deps
.PHONY: browser-deps
