# Findings and models with replicate weights (estimation.variance: bootstrap) by R's survey
# package, from the replicate weights navpartner exports: the reference for every replicate SE.
# Usage: Rscript replicates.R data.csv repweights.csv centre out.csv
#   data.csv:       weight (final), y (0/1, empty = no valid answer), category (answer code,
#                   empty = no answer), domain (empty = in no domain), then x1, x2, ... (model
#                   columns, intercept included) when the model is wanted
#   repweights.csv: one column per replicate, the replicate's final weights
#   centre:         replicate_mean (mse = FALSE) or full_sample (mse = TRUE)
#   out.csv:        what, domain, category, estimate, se: the category shares per domain
#                   (svyby svymean), each domain against the rest (svyglm y ~ in the domain:
#                   the coefficient is the difference of the two means), the Rao-Scott test
#                   (svychisq statistic "F": estimate = F, se = numerator df) and the model's
#                   coefficients (svyglm quasibinomial)
# The design: svrepdesign(type = "bootstrap", combined.weights = TRUE, scale = 1/(R-1),
# rscales = 1), as the README tells analysts to use the exported weights.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = c(domain = "character"), na.strings = "")
repweights <- as.matrix(read.csv(args[2]))
replicates <- ncol(repweights)
design <- svrepdesign(data = data, repweights = repweights, weights = ~weight,
                      type = "bootstrap", combined.weights = TRUE,
                      scale = 1 / (replicates - 1), rscales = rep(1, replicates),
                      mse = args[3] == "full_sample")
rows <- list()
if (any(!is.na(data$domain))) {  # the findings, unless only the model is wanted
  levels <- sort(unique(data$category[!is.na(data$category) & !is.na(data$domain)]))
  # The levels fixed up front: a domain without some answer still has its (zero) share.
  answered <- update(subset(design, !is.na(category) & !is.na(domain)),
                     answer = factor(category, levels = levels))
  shares <- svyby(~answer, ~domain, answered, svymean)
  for (i in seq_along(levels)) {  # svyby: a column of estimates and one of SEs per level
    rows[[length(rows) + 1]] <- data.frame(what = "share", domain = shares$domain,
                                           category = levels[i], estimate = shares[[1 + i]],
                                           se = SE(shares)[[i]])
  }
  valid <- subset(design, !is.na(y) & !is.na(domain))
  for (group in sort(unique(data$domain[!is.na(data$y) & !is.na(data$domain)]))) {
    fit <- svyglm(y ~ inside, update(valid, inside = as.numeric(domain == group)))
    rows[[length(rows) + 1]] <- data.frame(what = "against_rest", domain = group, category = NA,
                                           estimate = coef(fit)[2], se = SE(fit)[2])
  }
  test <- svychisq(~y + domain, valid, statistic = "F")
  rows[[length(rows) + 1]] <- data.frame(what = "rao_scott", domain = NA, category = NA,
                                         estimate = test$statistic, se = test$parameter[["ndf"]])
}
terms <- grep("^x[0-9]+$", names(data), value = TRUE)
if (length(terms) > 0) {
  formula <- as.formula(paste("y ~ 0 +", paste(terms, collapse = " + ")))
  control <- glm.control(epsilon = 1e-14, maxit = 100)
  fit <- svyglm(formula, design, family = quasibinomial(), control = control)
  rows[[length(rows) + 1]] <- data.frame(what = "model", domain = terms, category = NA,
                                         estimate = coef(fit), se = SE(fit))
}
out <- do.call(rbind, rows)
out[] <- lapply(out, function(col) if (is.numeric(col)) sprintf("%.17g", col) else col)
write.csv(out, args[4], row.names = FALSE)
