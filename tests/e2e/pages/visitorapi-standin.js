// Test stand-ins for Adobe's VisitorAPI.js (the Experience Cloud ID service) and `adobe.optIn`.
//
// Only the interface AppMeasurement.js 2.27.0 uses (see app/appmeasurement/identity.py), built to
// Adobe's documented behaviour, not to reproduce VisitorAPI.js:
//   Visitor.getInstance(orgId, options) -> the page's one instance per org id, with
//     isAllowed(), getVisitorValues(callback) (answers asynchronously, as the real one does even with
//     cached ids), getSupplementalDataID(consumer, consume), getCustomerIDs() / setCustomerIDs(ids)
//     and the marketingCloudOrgID property.
//   options (stand-in only): delayMs (answer delay, default 0), hold (keep callbacks until
//     visitorStandin.release()), optOut (MCOPTOUT), allowed (isAllowed(), default true),
//     ids: {MCMID, MCAID, MCAAMLH, MCAAMB}.
//   installOptInStandin({approved: ["aa", ...], decided: bool}) -> window.adobe.optIn with
//     Categories, fetchPermissions(callback, shouldAutoSubscribe), isApproved(category) and, for the
//     tests, approve(...categories) / deny(...categories).
// `visitorStandin.calls` counts every call, for the tests to wait on.
(function () {
  "use strict";
  const calls = { isAllowed: 0, getVisitorValues: 0, getSupplementalDataID: 0, getCustomerIDs: 0, fetchPermissions: 0 };
  const held = [];
  const instances = {};

  function StandinVisitor(orgId, options) {
    this.marketingCloudOrgID = orgId;
    this._options = options || {};
    this._customerIDs = {};
    this._sdids = {};
    this._sdidCount = 0;
  }

  StandinVisitor.prototype.isAllowed = function () {
    calls.isAllowed++;
    return this._options.allowed !== false;
  };

  StandinVisitor.prototype._values = function () {
    const ids = this._options.ids || {};
    const values = {
      MCMID: ids.MCMID === undefined ? "08765432109876543210987654321098765432" : ids.MCMID,
      MCAID: ids.MCAID,
      MCAAMLH: ids.MCAAMLH,
      MCAAMB: ids.MCAAMB,
    };
    if (this._options.optOut) values.MCOPTOUT = "isoptedout-true";
    return values;
  };

  StandinVisitor.prototype.getVisitorValues = function (callback) {
    calls.getVisitorValues++;
    const answer = () => callback(this._values());
    if (this._options.hold) held.push(answer);
    else setTimeout(answer, this._options.delayMs || 0);
  };

  // One id per consumer until a consuming call takes it, as the ID service hands them out.
  StandinVisitor.prototype.getSupplementalDataID = function (consumer, consume) {
    calls.getSupplementalDataID++;
    if (!this._sdids.current) this._sdids.current = "SDID-" + ++this._sdidCount;
    const id = this._sdids.current;
    if (consume) this._sdids.current = null;
    return id;
  };

  StandinVisitor.prototype.getCustomerIDs = function () {
    calls.getCustomerIDs++;
    const copy = {};
    for (const alias of Object.keys(this._customerIDs)) copy[alias] = Object.assign({}, this._customerIDs[alias]);
    return copy;
  };

  // setCustomerIDs({alias: "id"}) or ({alias: {id, authState}}); authState defaults to UNKNOWN (0).
  StandinVisitor.prototype.setCustomerIDs = function (ids) {
    for (const alias of Object.keys(ids)) {
      const value = ids[alias];
      this._customerIDs[alias] =
        typeof value === "object" ? { id: value.id, authState: value.authState || 0 } : { id: value, authState: 0 };
    }
  };

  window.Visitor = {
    AuthState: { UNKNOWN: 0, AUTHENTICATED: 1, LOGGED_OUT: 2 },
    getInstance: function (orgId, options) {
      if (!instances[orgId]) instances[orgId] = new StandinVisitor(orgId, options);
      return instances[orgId];
    },
  };

  window.visitorStandin = {
    calls: calls,
    heldCount: () => held.length,
    release: function () {
      const answers = held.splice(0, held.length);
      answers.forEach((answer) => answer());
      return answers.length;
    },
  };

  window.installOptInStandin = function (spec) {
    spec = spec || {};
    const approved = new Set(spec.approved || []);
    const subscribers = [];
    let decided = !!spec.decided;
    const optIn = {
      Categories: { AAM: "aam", TARGET: "target", ANALYTICS: "aa", ECID: "ecid", ADCLOUD: "adcloud", CAMPAIGN: "campaign", LIVEFYRE: "livefyre", MEDIA_ANALYTICS: "mediaaa" },
      fetchPermissions: function (callback, shouldAutoSubscribe) {
        calls.fetchPermissions++;
        if (shouldAutoSubscribe || !decided) subscribers.push(callback);
        if (decided) setTimeout(() => callback(optIn.permissions()), 0);
      },
      isApproved: function (category) {
        return approved.has(category);
      },
      permissions: function () {
        const out = {};
        for (const name of Object.values(optIn.Categories)) out[name] = approved.has(name);
        return out;
      },
      approve: function (...categories) {
        categories.forEach((c) => approved.add(c));
        decide();
      },
      deny: function (...categories) {
        categories.forEach((c) => approved.delete(c));
        decide();
      },
    };
    function decide() {
      decided = true;
      subscribers.slice().forEach((callback) => callback(optIn.permissions()));
    }
    window.adobe = window.adobe || {};
    window.adobe.optIn = optIn;
    return true;
  };
})();
