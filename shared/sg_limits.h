/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every hard limit of sysguard in one place: user-controllable resources are
 * bounded by one of these.  Plain defines only: the BPF objects include it too.
 */
#ifndef SG_SG_LIMITS_H
#define SG_SG_LIMITS_H

#define SG_PROCTABLE_MAX     65536   /* processes tracked */
#define SG_HOLD_BYTES        (4 << 20) /* records held while their container is looked up */
#define SG_EXE_MAX           4096    /* bytes of an exe path kept per process */
#define SG_PIPES_MAX         4096    /* stdio pipes of exec'd processes remembered (a power of 2) */
#define SG_JSON_LINE_MAX     65536   /* one encoded event, and one protocol line */
#define SG_CTL_LINE_MAX      65536   /* a request line on the control socket */
#define SG_CTL_CLIENTS_MAX   128     /* control connections at once */
#define SG_CTL_QUEUE_MAX     (4 << 20) /* bytes queued to one subscriber */
#define SG_CTL_QUEUE_TOTAL   (64 << 20) /* bytes queued to all subscribers together */
#define SG_CTL_QUEUE_MIN     (64 << 10) /* a subscriber's share never goes below this */
#define SG_CTL_IDLE_SEC      60      /* idle timeout of a non-subscribed client */
#define SG_POLICY_RULES_MAX  4096    /* rules in a policy */
#define SG_POLICY_FILE_MAX   (4 << 20) /* bytes of one policy file */
#define SG_POLICY_FILES_MAX  256     /* files in a policy directory */
#define SG_ANCESTORS_MAX     16      /* ancestors a rule may look at */
#define SG_BLOCK_RULES_MAX   200000  /* network block rules; also the BPF maps' size */
#define SG_DEDUP_SLOTS       8192    /* deduplication window entries */
#define SG_DEDUP_TEXT        512     /* bytes of target text kept per dedup entry */
#define SG_DEDUP_WINDOW_MAX  3600    /* seconds: longest dedup window */
#define SG_POLICY_ID_MAX     64      /* bytes of a rule id */
#define SG_POLICY_LISTS_MAX  1024    /* named lists in a policy */
#define SG_POLICY_VALUES_MAX 65536   /* values in one condition (lists expanded) */
#define SG_POLICY_DEPTH_MAX  64      /* YAML nesting depth of a policy file */
#define SG_POLICY_NOT_MAX    4       /* 'not' nested in 'not' */
#define SG_POLICY_DIAG_MAX   200     /* messages kept from one policy load */
#define SG_SIGMA_FILES_MAX   4096    /* Sigma files read for one policy */
#define SG_SIGMA_DEPTH_MAX   8       /* directory levels below a Sigma path */
#define SG_SIGMA_IDENTS_MAX  64      /* search identifiers of one Sigma rule */
#define SG_SIGMA_TERMS_MAX   64      /* conjunctions of a Sigma condition in DNF */
#define SG_SIGMA_SETS_MAX    256     /* condition sets of one converted rule */
#define SG_SIGMA_RULES_MAX   16      /* policy rules from one Sigma rule */
#define SG_SIGMA_VALUES_MAX  1024    /* values of one Sigma field (after windash) */
#define SG_SIGMA_NEST_MAX    32      /* parentheses nested in a Sigma condition */
#define SG_SIGMA_FIELDS_MAX  256     /* field conditions in one converted condition set */

#endif /* SG_SG_LIMITS_H */
