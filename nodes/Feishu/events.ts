/** The drive file events Feishu delivers for subscribed files and folders (schema 2.0 header.event_type). */
export const DRIVE_EVENTS = [
	{ value: 'drive.file.bitable_field_changed_v1', name: 'Base Field Changed' },
	{ value: 'drive.file.bitable_record_changed_v1', name: 'Base Record Changed' },
	{ value: 'drive.file.created_in_folder_v1', name: 'File Created in Folder' },
	{ value: 'drive.file.deleted_v1', name: 'File Deleted' },
	{ value: 'drive.file.edit_v1', name: 'File Edited' },
	{ value: 'drive.file.permission_member_added_v1', name: 'Collaborator Added' },
	{ value: 'drive.file.permission_member_applied_v1', name: 'Access Requested' },
	{ value: 'drive.file.permission_member_removed_v1', name: 'Collaborator Removed' },
	{ value: 'drive.file.read_v1', name: 'File Read' },
	{ value: 'drive.file.title_updated_v1', name: 'Title Updated' },
	{ value: 'drive.file.trashed_v1', name: 'File Moved to Trash' },
] as const;

export const FOLDER_EVENT = 'drive.file.created_in_folder_v1';

export const driveEventOptions = DRIVE_EVENTS.map(({ name, value }) => ({ name, value: value as string })).sort((a, b) =>
	a.name.localeCompare(b.name),
);
