// What each directory page shows: its API, schemas, filters, table columns and form field order.

export const ENTITIES = {
  agencies: {
    route: 'agencies', api: '/api/v1/agencies', schema: 'AgencyInput', title: 'Agencies',
    singular: 'agency', plural: 'agencies', nameKey: 'name',
    intro: 'The member agencies of the partnership and how they take part.',
    typeField: 'sector', typeLabel: 'Sector',
    order: ['name', 'sector', 'membership_type', 'address', 'phone', 'email', 'notes'],
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'sector', label: 'Sector' },
      { key: 'membership_type', label: 'Membership' },
      { key: 'phone', label: 'Phone' },
      { key: 'email', label: 'Email' },
    ],
  },
  sites: {
    route: 'sites', api: '/api/v1/sites', schema: 'SiteInput', title: 'Sites',
    singular: 'site', plural: 'sites', nameKey: 'name',
    intro: 'The buildings and places where each agency offers internet access.',
    typeField: 'site_type', typeLabel: 'Type of site', agencyFilter: true,
    order: ['agency_id', 'name', 'site_type', 'address', 'postcode', 'ip_ranges', 'notes'],
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'agency_name', label: 'Agency' },
      { key: 'site_type', label: 'Type' },
      { key: 'postcode', label: 'Postcode' },
      { key: 'ip_ranges', label: 'IP ranges', list: true },
    ],
  },
  register: {
    route: 'register', api: '/api/v1/access-locations', schema: 'AccessLocationInput', title: 'Internet access register',
    singular: 'access location', plural: 'access locations', nameKey: 'name',
    intro: 'Every place where children and young people can get online, with its filtering and monitoring.',
    typeField: 'access_type', typeLabel: 'Type of access', agencyFilter: true, siteFilter: true, flags: true,
    order: ['site_id', 'name', 'access_type', 'device_count', 'age_groups', 'equipment_owner', 'connection_provider',
      'filtering_provider', 'filtering_accredited', 'monitoring_in_place', 'last_reviewed', 'notes'],
    columns: [
      { key: 'name', label: 'Location' },
      { key: 'agency_name', label: 'Agency and site', sub: 'site_name' },
      { key: 'access_type', label: 'Type' },
      { key: 'device_count', label: 'Devices', numeric: true },
      { key: 'age_groups', label: 'Age groups', list: true },
      { key: 'equipment_owner', label: 'Owner' },
      { key: 'filtering_provider', label: 'Filtering provider' },
      { key: 'filtering_accredited', label: 'Accredited', yesno: true },
      { key: 'monitoring_in_place', label: 'Monitoring', yesno: true },
      { key: 'last_reviewed', label: 'Last reviewed', date: true, reviewFlag: true },
    ],
  },
  people: {
    route: 'people', api: '/api/v1/people', schema: 'PersonInput', title: 'People',
    singular: 'person', plural: 'people', nameKey: 'full_name',
    intro: 'E-safety leads, safeguarding leads and sub-group members in each agency.',
    typeField: 'esafety_role', typeLabel: 'E-safety role', agencyFilter: true,
    order: ['agency_id', 'full_name', 'job_title', 'esafety_role', 'subgroup_role', 'email', 'phone', 'notes'],
    columns: [
      { key: 'full_name', label: 'Name' },
      { key: 'agency_name', label: 'Agency' },
      { key: 'job_title', label: 'Job title' },
      { key: 'esafety_role', label: 'E-safety role' },
      { key: 'subgroup_role', label: 'Sub-group' },
      { key: 'email', label: 'Email' },
    ],
  },
};

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

// The checks the register flags for an access location; each {label, level} where level is bad or warn.
export function registerFlags(loc, now = new Date()) {
  const flags = [];
  if (loc.filtering_accredited === false) flags.push({ label: 'Not accredited', level: 'bad' });
  else if (loc.filtering_accredited == null) flags.push({ label: 'Accreditation not known', level: 'warn' });
  if (loc.monitoring_in_place === false) flags.push({ label: 'No monitoring', level: 'bad' });
  else if (loc.monitoring_in_place == null) flags.push({ label: 'Monitoring not known', level: 'warn' });
  if (!loc.last_reviewed) flags.push({ label: 'Never reviewed', level: 'warn' });
  else {
    const d = new Date(`${loc.last_reviewed}T00:00:00`);
    if (!Number.isNaN(d.getTime()) && now - d > YEAR_MS) flags.push({ label: 'Review overdue', level: 'warn' });
  }
  return flags;
}
